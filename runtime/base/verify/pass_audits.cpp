#include "runtime/base/verify/pass_audits.hpp"

#include <cmath>

namespace seedgrid::verify {

namespace {

std::string pass_name(const PassCommitment& c) { return "pass " + std::to_string(c.pass + 1); }

AuditFinding fail_finding(AuditKind kind, std::uint32_t leaf, std::string detail) {
  return finding(kind, FindingOutcome::fail, static_cast<std::int32_t>(leaf), std::move(detail));
}

// ||a - b|| / ||b||, accumulated in double in index order; +inf for a zero b that differs.
double relative_difference(const Tensor& a, const Tensor& b) {
  double diff = 0, norm = 0;
  const float* x = a.f32();
  const float* y = b.f32();
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double d = static_cast<double>(x[i]) - y[i];
    diff += d * d;
    norm += static_cast<double>(y[i]) * y[i];
  }
  if (norm == 0) return diff == 0 ? 0.0 : INFINITY;
  return std::sqrt(diff / norm);
}

}  // namespace

Result<AuditFinding> pass_start_audit(const Pipeline& pipeline, const PassCommitment& c,
                                      const PassGiven& given, const LatentOpening& first,
                                      const Thresholds& thresholds) {
  const std::uint32_t leaf = c.span.first_leaf;
  if (first.t != leaf)
    return fail_finding(AuditKind::noise, leaf,
                        pass_name(c) + " starts at leaf " + std::to_string(leaf) +
                            ", the opening is of leaf " + std::to_string(first.t));
  if (auto ok = check_pass_opening(c.trajectory_root, c.leaf_count, c.pass, c.span, first); !ok)
    return fail_finding(AuditKind::noise, leaf, ok.error().message);
  auto expected = pipeline.pass_start(given.pass, given.noise, given.clean);
  if (!expected) return context(expected.error(), "noise audit of ", pass_name(c));
  AuditFinding f = fail_finding(AuditKind::noise, leaf, "");
  if (expected->shape() != first.latent.shape()) {
    f.detail = pass_name(c) + "'s committed first latent has shape " +
               shape_string(first.latent.shape()) + ", its inputs give " +
               shape_string(expected->shape());
    return f;
  }
  f.expected = pass_latent_leaf(c.pass, 0, *expected);
  f.received = pass_latent_leaf(c.pass, 0, first.latent);
  const std::string from =
      given.clean == nullptr ? "the seed's noise" : "its init latent noised to its first step";
  if (f.expected == f.received) {
    f.outcome = FindingOutcome::pass;
    f.detail = pass_name(c) + " starts from " + from + " (bytes equal)";
    return f;
  }
  // Seeded noise is the same bits in every class (Philox), so a pass from pure noise must match
  // anywhere; an init latent went through the VAE or an earlier pass, which classes round apart.
  f.error = relative_difference(*expected, first.latent);
  if (c.same_class || given.clean == nullptr) {
    f.detail = pass_name(c) + "'s committed first latent is not " + from +
               " (relative difference " + evidence_number(f.error) +
               (c.same_class ? ", same class" : "") + ")";
    return f;
  }
  // Not calibrated as a pass/fail boundary of its own: within the step tolerance it passes, and
  // past it the same-class referee decides (grey is never slashed).
  f.outcome = f.error <= thresholds.step_pass ? FindingOutcome::pass : FindingOutcome::grey;
  f.detail = pass_name(c) + "'s first latent vs " + from + ": relative difference " +
             evidence_number(f.error) +
             " (classes differ: pass <= " + evidence_number(thresholds.step_pass) + ", grey above)";
  return f;
}

Result<AuditFinding> pass_step_audit(const Pipeline& pipeline, const PassCommitment& c,
                                     const PassGiven& given, const LatentOpening& x_t,
                                     const LatentOpening& x_next, const LatentOpening* x_previous,
                                     const Thresholds& thresholds) {
  const std::uint32_t t = x_t.t - c.span.first_leaf;
  AuditFinding f = fail_finding(AuditKind::step, x_t.t, "");
  if (!c.span.starts_step(x_t.t)) return fail("leaf ", x_t.t, " is no step of ", pass_name(c));
  if (x_next.t != x_t.t + 1 || (x_previous && x_previous->t + 1 != x_t.t))
    return fail("step audit of leaf ", x_t.t, ": openings of leaves ", x_next.t,
                x_previous ? " and " + std::to_string(x_previous->t) : std::string(),
                " do not surround it");
  for (const LatentOpening* o : {&x_t, &x_next, x_previous}) {
    if (!o) continue;
    if (auto ok = check_pass_opening(c.trajectory_root, c.leaf_count, c.pass, c.span, *o); !ok) {
      f.detail = ok.error().message;
      return f;
    }
  }
  auto expected_next = pipeline.replay_pass_step(given.pass, given.text, given.noise, given.clean,
                                                 static_cast<int>(t), x_t.latent,
                                                 x_previous ? &x_previous->latent : nullptr);
  if (!expected_next) return context(expected_next.error(), "step audit of leaf ", x_t.t);
  if (expected_next->shape() != x_next.latent.shape()) {
    f.detail = "the committed leaf " + std::to_string(x_next.t) + " has shape " +
               shape_string(x_next.latent.shape()) + ", " + pass_name(c) + "'s latents are " +
               shape_string(expected_next->shape());
    return f;
  }
  judge_step_output(f,
                    {x_t.latent, x_next.latent, *expected_next,
                     [&](const Tensor& x) { return pass_latent_leaf(c.pass, t + 1, x); }},
                    pass_name(c) + " step " + std::to_string(t) + " -> " + std::to_string(t + 1),
                    c.same_class, thresholds);
  return f;
}

AuditFinding output_audit(const RgbImage& replayed, const RgbImage& delivered,
                          const Digest& output_hash, std::uint32_t last_leaf, bool same_class,
                          const Thresholds& thresholds) {
  AuditFinding f = fail_finding(AuditKind::decode, last_leaf, "");
  f.ssim = 0.0;
  if (!delivered_as_signed(f, delivered, output_hash)) return f;
  if (replayed.width != delivered.width || replayed.height != delivered.height) {
    f.detail = "the script makes a " + std::to_string(replayed.width) + " x " +
               std::to_string(replayed.height) +
               " image from the committed passes, the worker "
               "delivered " +
               std::to_string(delivered.width) + " x " + std::to_string(delivered.height);
    return f;
  }
  judge_made_image(f, replayed, delivered, same_class, thresholds,
                   {"the script makes the delivered pixels from the committed passes",
                    "the script does not make the delivered pixels from the committed passes",
                    "the script's image from the committed passes vs delivered"});
  return f;
}

}  // namespace seedgrid::verify
