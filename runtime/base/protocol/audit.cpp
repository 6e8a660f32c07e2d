#include "runtime/base/protocol/audit.hpp"

#include "runtime/base/protocol/canonical.hpp"
#include "runtime/base/protocol/ids.hpp"

namespace seedgrid::protocol {

std::string_view audit_outcome_name(AuditOutcome o) {
  switch (o) {
    case AuditOutcome::pass:
      return "pass";
    case AuditOutcome::grey:
      return "grey";
    case AuditOutcome::fail:
      break;
  }
  return "fail";
}

std::optional<AuditOutcome> parse_audit_outcome(std::string_view name) {
  for (AuditOutcome o : {AuditOutcome::pass, AuditOutcome::fail, AuditOutcome::grey})
    if (audit_outcome_name(o) == name) return o;
  return std::nullopt;
}

std::string audit_id_of(std::string_view job_id, std::uint32_t attempt) {
  return AuditId{std::string(job_id), attempt}.str();
}

std::string_view audit_purpose_name(AuditPurpose p) {
  switch (p) {
    case AuditPurpose::referee:
      return "referee";
    case AuditPurpose::appeal:
      return "appeal";
    case AuditPurpose::sampled:
      break;
  }
  return "sampled";
}

std::optional<AuditPurpose> parse_audit_purpose(std::string_view name) {
  for (AuditPurpose p : {AuditPurpose::sampled, AuditPurpose::referee, AuditPurpose::appeal})
    if (audit_purpose_name(p) == name) return p;
  return std::nullopt;
}

// v2: the purpose and the evidence of every audit are signed with the outcome. v3: and the
// assignment, so a verdict cannot be passed off as one on a later hand-out of the same audit.
Verdict verdict_on(const AuditTask& task) {
  Verdict v;
  v.audit_id = task.audit_id;
  v.job_id = task.job.job_id;
  v.attempt = task.job.attempt;
  v.worker = task.worker;
  v.spec_hash = spec_hash(task.job.spec);
  v.claimed_output_hash = task.claimed_output_hash;
  v.assignment = task.assignment;
  return v;
}

std::vector<std::uint8_t> verdict_signing_bytes(const Verdict& v) {
  CanonicalWriter w("seedgrid/verdict/v3");
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
      .str(v.detail)
      .str(audit_purpose_name(v.purpose))
      .u64(v.assignment)
      .u64(v.evidence.size());
  for (const auto& e : v.evidence)
    w.u8(static_cast<std::uint8_t>(e.kind))
        .u8(static_cast<std::uint8_t>(e.outcome))
        .i64(e.step)
        .fixed(e.expected)
        .fixed(e.received)
        .f64(e.error)
        .f64(e.psnr_db)
        .f64(e.ssim)
        .str(e.detail);
  return w.encoded();
}

void sign_verdict(Verdict& v, const Identity& validator) {
  v.validator = validator.public_key();
  v.signature = validator.sign(verdict_signing_bytes(v));
}

bool verdict_signature_valid(const Verdict& v) {
  return verify_signature(v.validator, verdict_signing_bytes(v), v.signature);
}

std::vector<std::uint8_t> appeal_signing_bytes(const Appeal& a) {
  CanonicalWriter w("seedgrid/appeal/v1");
  w.str(a.audit_id).fixed(a.worker.bytes).str(a.reason);
  return w.encoded();
}

void sign_appeal(Appeal& a, const Identity& worker) {
  a.worker = worker.public_key();
  a.signature = worker.sign(appeal_signing_bytes(a));
}

bool appeal_signature_valid(const Appeal& a) {
  return verify_signature(a.worker, appeal_signing_bytes(a), a.signature);
}

}  // namespace seedgrid::protocol
