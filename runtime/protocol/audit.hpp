#pragma once
// An audit: the coordinator hands a validator a job and the result a worker claimed for it; the
// validator re-renders the job from its spec, compares, and signs a Verdict. Results of the same
// determinism class must be byte-identical; across classes the validator compares pixels against
// the tolerance in its config.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/identity.hpp"
#include "runtime/protocol/job.hpp"

namespace seedgrid::protocol {

struct AuditTask {
  std::string audit_id;  // "<job id>#<attempt>"
  Job job;
  PublicKey worker;
  Digest claimed_output_hash{};
  std::string claimed_determinism_class;
  std::vector<std::uint8_t> claimed_pixels;  // for comparisons across determinism classes
};

enum class AuditOutcome : std::uint8_t { pass = 0, fail = 1 };
std::string_view audit_outcome_name(AuditOutcome o);  // "pass", "fail"

struct Verdict {
  std::string audit_id;
  std::string job_id;
  std::uint32_t attempt = 0;
  PublicKey worker;
  PublicKey validator;
  Digest spec_hash{};
  Digest claimed_output_hash{};
  Digest recomputed_output_hash{};
  std::string determinism_class;  // the validator's
  AuditOutcome outcome = AuditOutcome::fail;
  // Mean absolute difference per channel value, in thousandths of a level (0..255000).
  std::uint32_t mean_abs_diff_milli = 0;
  std::uint32_t max_abs_diff = 0;  // largest difference of one channel value, 0..255
  std::string detail;
  Signature signature{};
};

std::string audit_id_of(std::string_view job_id, std::uint32_t attempt);
std::vector<std::uint8_t> verdict_signing_bytes(const Verdict& v);
void sign_verdict(Verdict& v, const Identity& validator);
bool verdict_signature_valid(const Verdict& v);

}  // namespace seedgrid::protocol
