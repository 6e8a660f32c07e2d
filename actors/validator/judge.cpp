#include "actors/validator/judge.hpp"

#include <cstdio>
#include <cstdlib>

#include "runtime/protocol/job_result.hpp"

namespace seedgrid::validator {

protocol::Verdict judge(const protocol::AuditTask& task,
                        const std::vector<std::uint8_t>& recomputed, const std::string& own_class,
                        const Tolerance& tolerance) {
  protocol::Verdict v;
  v.audit_id = task.audit_id;
  v.job_id = task.job.job_id;
  v.attempt = task.job.attempt;
  v.worker = task.worker;
  v.spec_hash = protocol::spec_hash(task.job.spec);
  v.claimed_output_hash = task.claimed_output_hash;
  v.recomputed_output_hash = protocol::output_hash_of(recomputed);
  v.determinism_class = own_class;

  const auto& claimed = task.claimed_pixels;
  std::uint64_t sum = 0;
  std::uint32_t max = 0, differing = 0;
  if (claimed.size() == recomputed.size()) {
    for (std::size_t i = 0; i < claimed.size(); ++i) {
      const auto d = static_cast<std::uint32_t>(std::abs(int(claimed[i]) - int(recomputed[i])));
      sum += d;
      max = std::max(max, d);
      differing += d != 0;
    }
    v.mean_abs_diff_milli =
        claimed.empty() ? 0 : static_cast<std::uint32_t>(sum * 1000 / claimed.size());
    v.max_abs_diff = max;
  }

  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "%u of %zu values differ, mean %.3f, max %u", differing,
                recomputed.size(), v.mean_abs_diff_milli / 1000.0, max);
  if (claimed.size() != recomputed.size()) {
    v.outcome = protocol::AuditOutcome::fail;
    v.detail = "claimed image has " + std::to_string(claimed.size()) + " bytes, the re-render " +
               std::to_string(recomputed.size());
  } else if (protocol::output_hash_of(claimed) != task.claimed_output_hash) {
    v.outcome = protocol::AuditOutcome::fail;
    v.detail = "the claimed pixels do not hash to the claimed output hash";
  } else if (own_class == task.claimed_determinism_class) {
    const bool same = v.recomputed_output_hash == task.claimed_output_hash;
    v.outcome = same ? protocol::AuditOutcome::pass : protocol::AuditOutcome::fail;
    v.detail = same ? "byte-identical re-render (" + own_class + ")"
                    : "same determinism class " + own_class + " but " + numbers;
  } else {
    const bool within =
        v.mean_abs_diff_milli <= tolerance.mean_abs * 1000.0 && max <= tolerance.max_abs;
    v.outcome = within ? protocol::AuditOutcome::pass : protocol::AuditOutcome::fail;
    v.detail = "across classes " + task.claimed_determinism_class + " / " + own_class + ": " +
               numbers + (within ? ", within tolerance" : ", beyond tolerance");
  }
  return v;
}

}  // namespace seedgrid::validator
