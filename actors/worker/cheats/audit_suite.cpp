#include "actors/worker/cheats/audit_suite.hpp"

#include <optional>

namespace seedgrid::worker {

namespace {

// Fail beats grey beats pass; among equals the larger error is the evidence worth showing.
bool worse(const verify::AuditFinding& a, const verify::AuditFinding& b) {
  if (a.outcome != b.outcome) return a.outcome > b.outcome;
  return a.error > b.error;
}

}  // namespace

Result<AuditSuiteReport> run_audit_suite(const Pipeline& validator, const GenerationSpec& asked,
                                         std::string_view worker_class, const RgbImage& delivered,
                                         const verify::Trajectory& committed,
                                         const verify::Thresholds& thresholds,
                                         const AuditSuiteOptions& options) {
  using verify::AuditKind;
  if (committed.leaf_count() == 0) return fail("the committed trajectory is empty");
  verify::CommittedJob job;
  job.spec = asked;
  job.trajectory_root = committed.root();
  job.leaf_count = committed.leaf_count();
  job.output_hash = blake2b(delivered.pixels);
  job.determinism_class = std::string(worker_class);

  AuditSuiteReport report;
  auto x0 = committed.open(0);
  if (!x0) return pass_on(x0);
  auto noise = verify::noise_audit(validator, job, *x0);
  if (!noise) return context(noise.error(), "noise audit");
  report.findings[static_cast<std::size_t>(AuditKind::noise)] = std::move(*noise);

  const std::uint32_t steps_run = job.leaf_count - 1;
  std::optional<verify::AuditFinding> worst_step;
  for (std::uint32_t t : verify::choose_audit_steps(options.secret, options.job_key, steps_run,
                                                    options.step_audits)) {
    auto x_t = committed.open(t);
    auto x_next = committed.open(t + 1);
    if (!x_t || !x_next) return fail("cannot open x_", t, " and x_", t + 1);
    std::optional<verify::LatentOpening> previous;
    if (t >= 1) {
      auto p = committed.open(t - 1);
      if (!p) return pass_on(p);
      previous = std::move(*p);
    }
    auto step = verify::step_audit(validator, job, *x_t, *x_next,
                                   previous ? &*previous : nullptr, thresholds);
    if (!step) return context(step.error(), "step audit");
    if (!worst_step || worse(*step, *worst_step)) worst_step = std::move(*step);
  }
  if (worst_step) report.findings[static_cast<std::size_t>(AuditKind::step)] = *worst_step;

  auto x_final = committed.open(steps_run);
  if (!x_final) return pass_on(x_final);
  auto decode = verify::decode_audit(validator, job, *x_final, delivered, thresholds);
  if (!decode) return context(decode.error(), "decode audit");
  report.findings[static_cast<std::size_t>(AuditKind::decode)] = std::move(*decode);

  if (options.run_full) {
    auto full = verify::full_audit(validator, job, delivered, thresholds);
    if (!full) return context(full.error(), "full audit");
    report.findings[static_cast<std::size_t>(AuditKind::full)] = std::move(*full);
    report.ran_full = true;
  }
  return report;
}

}  // namespace seedgrid::worker
