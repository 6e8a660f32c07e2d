#pragma once
// The cheap audits of a scripted job: its script replayed over the worker's committed passes.
// Every sd.sample is answered by the worker's opened last latent of that pass (checked against the
// root) instead of being rendered, and as each pass goes by its planned audits run with the pass's
// own inputs (runtime/base/verify/pass_audits.hpp): noise (the pass's first latent), steps at the
// planned leaves; at the end the script's output is compared with the delivered image (decode).
// What a replay costs is the script's encodes and decodes plus one model step per step audit, not
// its passes. Leaves are numbered in the job's one tree (verify/commitment/job_trajectory.hpp).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/rendering/renderer.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::task_script {
class TaskScript;
}

namespace seedgrid::validator {

// The leaves the task's replay needs opened: every pass's first (with a noise audit) and last,
// and each step audit's leaf, the next one, and the previous one inside its pass. Ascending;
// none for a task of the full audit alone.
std::vector<std::uint32_t> scripted_openings_needed(const protocol::AuditTask& task);

// One finding per audit the task plans besides full: a noise finding per pass, a step finding per
// planned leaf, the decode finding; a missing or forged opening fails the audit that needed it,
// and a latent the replay cannot go on without stops it there.
std::vector<verify::AuditFinding> replay_scripted_audits(
    const task_script::TaskScript& script, const Pipeline& pipeline, bool same_class,
    const protocol::AuditTask& task, const std::map<std::uint32_t, verify::LatentOpening>& opened,
    const verify::Thresholds& thresholds, const rendering::ImageLookup& images);

}  // namespace seedgrid::validator
