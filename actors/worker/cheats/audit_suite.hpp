#pragma once
// Runs every audit of runtime/base/verify/audits.hpp on one delivered render the way a validator does
// (noise on x_0; step on k steps drawn with choose_audit_steps; decode of x_N; full re-render), so
// the detection tests and bench/calibrate judge cheats and honest renders by the same procedure.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"
#include "runtime/base/verify/comparison.hpp"

namespace seedgrid::worker {

struct AuditSuiteOptions {
  std::uint32_t step_audits = 3;  // k
  Digest secret{};                // the coordinator's audit secret (choose_audit_steps)
  std::string job_key = "job";
  bool run_full = true;           // the full re-render costs a whole render
};

// One finding per AuditKind (indexed by its value); a step audit reports its worst step (fail over
// grey over pass, then the largest error).
struct AuditSuiteReport {
  std::array<verify::AuditFinding, 4> findings;
  bool ran_full = false;
  const verify::AuditFinding& operator[](verify::AuditKind k) const {
    return findings[static_cast<std::size_t>(k)];
  }
};

// `validator`: the validator's pipeline of the asked model. `worker_class`: the determinism class
// the worker claims (same as the validator's: bytes must match; otherwise the thresholds judge).
Result<AuditSuiteReport> run_audit_suite(const Pipeline& validator, const GenerationSpec& asked,
                                         std::string_view worker_class, const RgbImage& delivered,
                                         const verify::Trajectory& committed,
                                         const verify::Thresholds& thresholds,
                                         const AuditSuiteOptions& options = {});

}  // namespace seedgrid::worker
