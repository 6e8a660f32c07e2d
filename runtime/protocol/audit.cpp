#include "runtime/protocol/audit.hpp"

#include "runtime/protocol/canonical.hpp"

namespace seedgrid::protocol {

std::string_view audit_outcome_name(AuditOutcome o) {
  return o == AuditOutcome::pass ? "pass" : "fail";
}

std::string audit_id_of(std::string_view job_id, std::uint32_t attempt) {
  return std::string(job_id) + "#" + std::to_string(attempt);
}

std::vector<std::uint8_t> verdict_signing_bytes(const Verdict& v) {
  CanonicalWriter w("seedgrid/verdict/v1");
  w.str(v.audit_id)
      .str(v.job_id)
      .u32(v.attempt)
      .fixed(v.worker.bytes)
      .fixed(v.validator.bytes)
      .fixed(v.spec_hash)
      .fixed(v.claimed_output_hash)
      .fixed(v.recomputed_output_hash)
      .str(v.determinism_class)
      .u8(static_cast<std::uint8_t>(v.outcome))
      .u32(v.mean_abs_diff_milli)
      .u32(v.max_abs_diff)
      .str(v.detail);
  return w.encoded();
}

void sign_verdict(Verdict& v, const Identity& validator) {
  v.validator = validator.public_key();
  v.signature = validator.sign(verdict_signing_bytes(v));
}

bool verdict_signature_valid(const Verdict& v) {
  return verify_signature(v.validator, verdict_signing_bytes(v), v.signature);
}

}  // namespace seedgrid::protocol
