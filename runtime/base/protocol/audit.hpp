#pragma once
// An audit: the coordinator hands a validator a committed result and the audits it chose for it
// after the commit (noise, step at k secret steps, decode, full); the validator runs them
// (runtime/base/verify/audits.hpp), fetching the step openings from the worker through the
// coordinator (opening.hpp), and signs a Verdict that carries the evidence of each audit. Same
// determinism class: bytes must match; across classes: calibrated thresholds, with a grey zone
// that the coordinator escalates to a full re-render before any slash.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::protocol {

// Why an audit runs: a sampled result, a grey verdict escalated to a same-class referee, or a
// worker's appeal of a failed verdict. On the wire (and under the verdict's signature) it is its
// name.
enum class AuditPurpose : std::uint8_t { sampled = 0, referee = 1, appeal = 2 };
std::string_view audit_purpose_name(AuditPurpose p);  // "sampled", "referee", "appeal"
std::optional<AuditPurpose> parse_audit_purpose(std::string_view name);

// pass and fail as before; grey: across classes, between the calibrated pass and fail thresholds.
enum class AuditOutcome : std::uint8_t { pass = 0, fail = 1, grey = 2 };
std::string_view audit_outcome_name(AuditOutcome o);  // "pass", "fail", "grey"
std::optional<AuditOutcome> parse_audit_outcome(std::string_view name);

// What an audit re-checks, and what one audit found. Their numbers are what the wire and the
// verdict's signature hold; verify/audits.hpp names them.
enum class AuditKind : std::uint8_t { noise = 0, step = 1, decode = 2, full = 3 };
enum class FindingOutcome : std::uint8_t { pass = 0, grey = 1, fail = 2 };

// One audit to run.
struct AuditItem {
  AuditKind kind = AuditKind::full;
  std::uint32_t step = 0;  // step audits: t (x_t -> x_{t+1}); decode: N; others 0

  bool operator==(const AuditItem&) const = default;
};

struct AuditTask {
  std::string audit_id;  // "<job id>#<attempt>"
  Job job;
  PublicKey worker;
  Digest claimed_output_hash{};
  std::string claimed_determinism_class;
  std::vector<std::uint8_t> claimed_pixels;  // for decode/full comparisons
  // The signed result as committed (its pixels left out: they are claimed_pixels). Absent
  // (has_commitment false, e.g. a job journaled before the journal kept commitments): only a full
  // audit is possible.
  bool has_commitment = false;
  JobResult commitment;
  std::vector<AuditItem> audits;  // in order; empty means one full audit
  AuditPurpose purpose = AuditPurpose::sampled;
  // The coordinator's token for this hand-out of the audit (new with every send, and with every
  // coordinator run): the same audit id can be handed out again after a restart or a lost
  // validator link, and only the verdict on the hand-out in progress counts.
  std::uint64_t assignment = 0;
  // Non-empty: no result to audit, but two workers' word that the job's task script fails with
  // this message; the validator runs the script and passes the claim only if it fails alike.
  std::string claimed_failure;
};


// The evidence of one audit (verify::AuditFinding on the wire).
struct AuditEvidence {
  AuditKind kind = AuditKind::full;
  FindingOutcome outcome = FindingOutcome::fail;
  std::int32_t step = -1;
  Digest expected{};
  Digest received{};
  // Finite always (CAF's format has no infinity): an identical image's PSNR is DBL_MAX.
  double error = 0.0;
  double psnr_db = 0.0;
  double ssim = 1.0;
  std::string detail;
};

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
  AuditPurpose purpose = AuditPurpose::sampled;  // the AuditTask's
  std::uint64_t assignment = 0;          // the AuditTask's
  std::vector<AuditEvidence> evidence;   // one per audit run, in the task's order
  Signature signature{};
};

// A worker contests a failed verdict, once per attempt; a second validator re-renders in full.
struct Appeal {
  std::string audit_id;
  PublicKey worker;
  std::string reason;
  Signature signature{};
};

// "<job id>#<attempt>" (ids.hpp parses it).
std::string audit_id_of(std::string_view job_id, std::uint32_t attempt);
// A verdict on `task` with the fields that name what was audited filled in (audit, job, attempt,
// worker, spec hash, claimed output); the outcome and evidence are the validator's to add.
Verdict verdict_on(const AuditTask& task);
std::vector<std::uint8_t> verdict_signing_bytes(const Verdict& v);
void sign_verdict(Verdict& v, const Identity& validator);
bool verdict_signature_valid(const Verdict& v);

std::vector<std::uint8_t> appeal_signing_bytes(const Appeal& a);
void sign_appeal(Appeal& a, const Identity& worker);
bool appeal_signature_valid(const Appeal& a);

}  // namespace seedgrid::protocol
