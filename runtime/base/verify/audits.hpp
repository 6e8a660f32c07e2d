#pragma once
// The audits a validator runs against a committed trajectory, cheapest first:
//   noise    recompute x_0 from the seed and check it is leaf 0 (no model run)
//   step     from the opened x_t run one sampler step (both guidance passes) and compare with the
//            opened x_{t+1}: about 1/N of a render per step audited
//   decode   decode the opened final latent x_N and compare with the delivered pixels
//   full     re-render the job and compare pixels (and, same class, the root)
// Same determinism class: bytes must match. Across classes the error is judged against
// calibrated Thresholds; a result between `pass` and `fail` is grey and escalates to a full
// re-render on a validator of the worker's own class before anything is slashed.
// Plain C++ over the compute core; no actors.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"
#include "runtime/base/verify/comparison.hpp"

namespace seedgrid::verify {

using protocol::AuditKind;
using protocol::FindingOutcome;
std::string_view audit_kind_name(AuditKind k);  // "noise", "step", "decode", "full"
Result<AuditKind> parse_audit_kind(std::string_view name);
protocol::AuditItem audit_item(AuditKind kind, std::uint32_t step = 0);
bool is_audit(const protocol::AuditItem& item, AuditKind kind);

std::string_view finding_outcome_name(FindingOutcome o);  // "pass", "grey", "fail"

// What one audit found, with the evidence a verdict carries.
struct AuditFinding {
  AuditKind kind = AuditKind::full;
  FindingOutcome outcome = FindingOutcome::fail;
  std::int32_t step = -1;  // t of x_t for noise/step audits, N for decode; -1 for full
  Digest expected{};       // what the validator computed (leaf, or pixel hash)
  Digest received{};       // what the worker committed / delivered
  double error = 0.0;      // step: the normalised update error (comparison.hpp); 0 when equal
  double psnr_db = 0.0;    // decode/full across classes (comparison.hpp)
  double ssim = 1.0;
  std::string detail;      // one line a person can act on
};

// A finding with no evidence yet but its outcome and a line a person can act on.
AuditFinding finding(AuditKind kind, FindingOutcome outcome, std::int32_t step,
                     std::string detail);

// What the worker committed to for one job (the signed fields a validator needs).
struct CommittedJob {
  GenerationSpec spec;
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;  // steps run + 1
  Digest output_hash{};          // BLAKE2b of the delivered pixels
  std::string determinism_class;
};

// An opening that does not verify against the root is a fail (the worker forged or lost it).
Result<AuditFinding> noise_audit(const Pipeline& pipeline, const CommittedJob& job,
                                 const LatentOpening& x0);
// x_previous: x_{t-1}, needed by multistep samplers (dpmpp_2m) when t >= 1.
Result<AuditFinding> step_audit(const Pipeline& pipeline, const CommittedJob& job,
                                const LatentOpening& x_t, const LatentOpening& x_next,
                                const LatentOpening* x_previous, const Thresholds& thresholds);
Result<AuditFinding> decode_audit(const Pipeline& pipeline, const CommittedJob& job,
                                  const LatentOpening& x_final, const RgbImage& delivered,
                                  const Thresholds& thresholds);
Result<AuditFinding> full_audit(const Pipeline& pipeline, const CommittedJob& job,
                                const RgbImage& delivered, const Thresholds& thresholds);

// A re-render of a whole job (of any task type: full_audit's, or a task script's run again)
// judged against what the worker delivered and committed: in the worker's determinism class the
// bytes and the trajectory (root and leaf count) must be equal, across classes the images close;
// there a difference past the fail thresholds is grey, never fail (a whole render in another class
// can diverge honestly), so only a referee of the worker's class can fail it.
struct Rerender {
  const RgbImage& image;
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;
};
struct Delivered {
  const RgbImage& image;
  Digest output_hash{};  // what the worker signed
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;
};
AuditFinding judge_rerender(const Rerender& rendered, const Delivered& delivered, bool same_class,
                            const Thresholds& thresholds);

// Outcomes across classes, written so that NaN (a latent or image full of garbage) fails.
FindingOutcome judge_step(double error, const Thresholds& thresholds);
FindingOutcome judge_image(const ImageDifference& difference, const Thresholds& thresholds);
// A whole re-render across classes: judge_image's grey for its fail. Over a whole trajectory the
// sampler can amplify another class's rounding into a visibly different honest image, so only the
// worker's own class (bytes) proves a cheat by re-rendering.
FindingOutcome judge_rerender_image(const ImageDifference& difference,
                                    const Thresholds& thresholds);
std::string image_evidence(const ImageDifference& difference);  // "PSNR 41.2 dB, SSIM 0.998"
std::string evidence_number(double v);  // a measured value in a finding's detail: "%.4g"

// One replayed step against the committed one, for any leaf scheme (a txt2img step, a scripted
// pass's): same class, the leaves (bytes) must be equal; across classes, the update error is
// judged. Fills f's expected, received, error, outcome and detail ("<what>: update error ...").
struct StepOutput {
  const Tensor& x_t;
  const Tensor& claimed_next;
  const Tensor& expected_next;
  std::function<Digest(const Tensor&)> leaf_of;
};
void judge_step_output(AuditFinding& f, const StepOutput& step, const std::string& what,
                       bool same_class, const Thresholds& thresholds);

// An image the validator made (decoded from x_N, re-rendered, replayed by a task script) against
// the delivered one: same class, the bytes must be equal; across classes, the images close. Fills
// f's expected, PSNR, SSIM, outcome and detail: "<matches> (same class, bytes equal)", "<differs>
// (same class; PSNR ...)" or "<versus>: PSNR ... (classes differ: pass at ...)". Call it after
// delivered_as_signed, whose f.received (the delivered pixels' hash) it compares with.
struct ImageWords {
  std::string_view matches, differs, versus;
};
void judge_made_image(AuditFinding& f, const RgbImage& made, const RgbImage& delivered,
                      bool same_class, const Thresholds& thresholds, const ImageWords& words);
// Sets f.received to the delivered pixels' hash; false (and f's detail) when it is not the one
// the worker signed: whatever the validator makes, those pixels are not the committed output.
bool delivered_as_signed(AuditFinding& f, const RgbImage& delivered, const Digest& output_hash);

// Which steps a step audit opens: k distinct t in [0, steps_run), drawn from a keyed hash of
// (secret, job) so the worker cannot predict them and a restarted coordinator draws the same.
std::vector<std::uint32_t> choose_audit_steps(const Digest& secret, std::string_view job_key,
                                              std::uint32_t steps_run, std::uint32_t k);

}  // namespace seedgrid::verify
