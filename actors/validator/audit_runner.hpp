#pragma once
// Runs the audits of one AuditTask (runtime/base/verify/audits.hpp) and turns their findings into an
// unsigned Verdict with the evidence. Plain C++ over the compute core: the validator actor calls
// it on its own thread (a detached actor), tests call it directly.
//   noise   x_0 recomputed from the seed against the committed proof of leaf 0
//   step    the opened x_t (and x_{t-1} for multistep samplers) stepped once against x_{t+1}
//   decode  the committed x_N decoded against the delivered pixels
//   full    the whole job re-rendered against the delivered pixels (and, same class, the root)
// An audit that cannot run for want of an opening fails with "no opening": a worker that cannot
// show its trajectory is treated as one that has none.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/rendering/renderer.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::task_script {
class TaskScript;
}

namespace seedgrid::validator {

// The leaves a task's audits need opened, ascending, distinct: t, t+1 and t-1 (t >= 1) of each
// step audit; a scripted job's replay needs more (scripted_openings_needed).
std::vector<std::uint32_t> openings_needed(const protocol::AuditTask& task);

// `opening`: the worker's signed answer (ignored when the task has no step audit). `pipeline`
// null: the job's model is not loaded here (every audit that needs it fails as "cannot audit").
std::vector<verify::AuditFinding> run_audits(const Pipeline* pipeline,
                                             const protocol::AuditTask& task,
                                             const protocol::Opening& opening,
                                             const verify::Thresholds& thresholds);

// A scripted job's audits: its planned noise, step and decode audits by replaying its script over
// the worker's openings (scripted_replay.hpp), and, when planned (or without a commitment), the
// full one: the script run again over the job's model (rendering/scripted_job.hpp), judged as a
// full re-render (verify::judge_rerender: same class, bytes and the root over every pass; across
// classes, the image). `script` or `pipeline` null: not loaded here. A script that fails here
// where the worker delivered an image is a fail: the script fails on every machine alike.
// `images`: the job's input images (Renderer::input_images_of); one missing is grey, no evidence
// either way.
std::vector<verify::AuditFinding> run_script_audit(const task_script::TaskScript* script,
                                                   const Pipeline* pipeline,
                                                   const std::string& own_determinism_class,
                                                   const protocol::AuditTask& task,
                                                   const protocol::Opening& opening,
                                                   const verify::Thresholds& thresholds,
                                                   const rendering::ImageLookup& images);

// The audit of a script failure two workers claimed (task.claimed_failure, no result): the script
// run here must fail with the same message (pass); rendering the job, or failing otherwise, is a
// fail; a validator without the script, model or images cannot tell (grey).
verify::AuditFinding judge_claimed_failure(const task_script::TaskScript* script,
                                           const Pipeline* pipeline,
                                           const protocol::AuditTask& task,
                                           const rendering::ImageLookup& images);

// fail if any finding fails, else grey if any is grey, else pass; evidence in the task's order.
protocol::Verdict verdict_of(const protocol::AuditTask& task,
                             const std::vector<verify::AuditFinding>& findings,
                             const std::string& own_determinism_class);

}  // namespace seedgrid::validator
