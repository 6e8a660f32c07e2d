#pragma once
// The audits of a scripted job's sampler passes (a task script may run several, each with its own
// size, steps, guidance and mask). A validator replays the job's script with every sd.sample
// answered by the worker's committed last latent of that pass (actors/validator/scripted_replay.hpp)
// and, as each pass goes by, checks it with the pass's own inputs:
//   noise   the pass's committed first latent against what its inputs give (seeded noise, or the
//           init latent noised to the first step's level): no model run
//   step    one step of the pass from its committed x_t against its committed x_{t+1}
// and, at the end, the script's output against the delivered image (the decode audit of a
// scripted job: every decode, blend and paste the script does after its passes).
// Same class: bytes. Across classes: steps and images by the calibrated thresholds; a first latent
// that depends on the model (an encoded image, an earlier pass) by a tolerance, grey past it.
#include <cstdint>
#include <string>

#include "models/pipeline/pipeline.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/job_trajectory.hpp"

namespace seedgrid::verify {

// Where one pass sits in what the worker committed, and whose class judges it.
struct PassCommitment {
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;  // of the job's whole tree
  std::uint32_t pass = 0;
  PassSpan span;
  bool same_class = true;  // the validator renders in the worker's determinism class
};

// What one pass was given (task_script::PassInputs, restated one layer down).
struct PassGiven {
  const SamplingPass& pass;
  const PromptConditioning& text;
  const Tensor& noise;
  const Tensor* clean;  // null: the pass starts from pure noise
};

// An opening that does not verify is a fail finding; an error means the audit could not run here.
Result<AuditFinding> pass_start_audit(const Pipeline& pipeline, const PassCommitment& committed,
                                      const PassGiven& given, const LatentOpening& first,
                                      const Thresholds& thresholds);
// x_t, x_next (and x_previous for multistep samplers) are leaves of this pass, by their index in
// the job's tree.
Result<AuditFinding> pass_step_audit(const Pipeline& pipeline, const PassCommitment& committed,
                                     const PassGiven& given, const LatentOpening& x_t,
                                     const LatentOpening& x_next, const LatentOpening* x_previous,
                                     const Thresholds& thresholds);
// The script's output from the committed passes against the delivered pixels (which must hash to
// what the worker signed). `last_leaf`: the job's, named in the evidence.
AuditFinding output_audit(const RgbImage& replayed, const RgbImage& delivered,
                          const Digest& output_hash, std::uint32_t last_leaf, bool same_class,
                          const Thresholds& thresholds);

}  // namespace seedgrid::verify
