#include "actors/coordinator/audit_sampler.hpp"

#include <cmath>

namespace seedgrid::coordinator {

bool AuditSampler::sampled(std::string_view job_id, std::uint32_t attempt, double rate) const {
  if (rate <= 0.0) return false;
  if (rate >= 1.0) return true;
  Blake2b h;
  h.update("seedgrid/audit-sample/v1").update(salt_).update(job_id).update_u64(attempt);
  const std::uint64_t draw = first_word(h.finish());
  // Compare in 53-bit precision: draw / 2^64 < rate.
  return double(draw >> 11) < rate * 9007199254740992.0;
}

}  // namespace seedgrid::coordinator
