#pragma once
// Which results are audited. The choice is a keyed hash of (job id, attempt) under a secret salt
// the coordinator keeps, compared with the audit rate: unpredictable to workers (they cannot
// render carefully only when watched) yet reproducible, so a restarted coordinator picks the same
// jobs.
#include <string_view>

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::coordinator {

class AuditSampler {
 public:
  AuditSampler(const Digest& salt, double rate) : salt_(salt), rate_(rate) {}
  bool sampled(std::string_view job_id, std::uint32_t attempt) const {
    return sampled(job_id, attempt, rate_);
  }
  // With a per-worker rate (audit_rate.hpp) in place of the configured one.
  bool sampled(std::string_view job_id, std::uint32_t attempt, double rate) const;
  const Digest& salt() const { return salt_; }

 private:
  Digest salt_;
  double rate_;
};

}  // namespace seedgrid::coordinator
