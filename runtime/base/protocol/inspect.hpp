#pragma once
// CAF `inspect` overloads: how each protocol message is serialized between nodes. Include this only
// from .cpp files that send or register these types (actors and node bootstrap); it pulls in just
// CAF's type-name annotation, never the actor headers.
#include <caf/binary_deserializer.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RgbImage& x) {
  return f(caf::meta::type_name("RgbImage"), x.width, x.height, x.pixels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PublicKey& x) {
  return f(caf::meta::type_name("PublicKey"), x.bytes);
}

}  // namespace seedgrid

namespace seedgrid::verify {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MerkleProof& x) {
  return f(caf::meta::type_name("MerkleProof"), x.index, x.leaf_count, x.siblings);
}

}  // namespace seedgrid::verify

namespace seedgrid::protocol {

// A byte field (pixels) on the wire. CAF 0.17 loads a std::vector<uint8_t> by resizing it to the
// length the sender claims before reading a byte, so a message of a few bytes claiming 4 GiB made
// a node allocate 4 GiB (found by tests/fuzz/protocol_message). Through this wrapper the claim must
// fit in what is left of the message; the encoding is CAF's own (length, then the bytes).
struct WireBytes {
  std::vector<std::uint8_t>& bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WireBytes& x) {
  if constexpr (Inspector::reads_state) {
    return f(x.bytes);
  } else {
    std::size_t size = 0;
    if (auto e = f.begin_sequence(size)) return e;
    std::size_t left = static_cast<std::size_t>(-1);
    if (auto* binary = dynamic_cast<caf::binary_deserializer*>(&f)) left = binary->remaining();
    if (size > left)
      return caf::make_error(caf::sec::end_of_stream,
                             "a byte field claims " + std::to_string(size) + " bytes but only " +
                                 std::to_string(left) + " are left in the message");
    x.bytes.resize(size);
    if (size > 0)
      if (auto e = f.apply_raw(size, x.bytes.data())) return e;
    return f.end_sequence();
  }
}

inline WireBytes wire_bytes(std::vector<std::uint8_t>& bytes) { return {bytes}; }

// A commitment an event shares with the coordinator's copy (ClientEvent::commitment). On the wire
// it is what the event carried before it was shared: whether there is one, then the commitment
// (an empty one when there is none), so nodes of either kind read each other's events.
struct WireCommitment {
  std::shared_ptr<const JobResult>& commitment;
};

inline WireCommitment wire_commitment(std::shared_ptr<const JobResult>& c) { return {c}; }

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WireCommitment& x) {
  if constexpr (Inspector::reads_state) {
    bool present = x.commitment != nullptr;
    // Inspectors take every field by reference; one that reads state does not change it.
    if (present) return f(present, const_cast<JobResult&>(*x.commitment));
    JobResult none;
    return f(present, none);
  } else {
    bool present = false;
    auto read = std::make_shared<JobResult>();
    if (auto e = f(present, *read)) return e;
    x.commitment = present ? std::move(read) : nullptr;
    return {};
  }
}

// A float or double field on the wire (or a vector of them). CAF 0.17's encoder (pack754) loops
// forever on an infinity, turns a subnormal into a wrong number (the smallest float came back as
// -1.6e32), and its decoder makes infinities and NaN of some bit patterns: a node that passed such
// a value on (a worker's latent in an audit task, say) hung the thread sending it (found by
// tests/fuzz/protocol_message). Only zero and normal numbers travel; anything else is refused both
// ways, naming the field.
template <class T>
struct WireReal {
  const char* field;
  T& value;
};
template <class T>
struct WireReals {
  const char* field;
  std::vector<T>& values;
};

template <class T>
bool wire_encodable(T v) {
  return v == T{0} || std::isnormal(v);
}

template <class Inspector>
typename Inspector::result_type refuse_non_finite(const char* field) {
  if constexpr (!std::is_void_v<typename Inspector::result_type>)
    return caf::make_error(
        caf::sec::invalid_argument,
        std::string(field) + " is not a number the wire carries (inf, nan or subnormal)");
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, WireReal<T>& x) {
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(x.value);  // printing
  } else {
    if (Inspector::reads_state && !wire_encodable(x.value))
      return refuse_non_finite<Inspector>(x.field);
    if (auto e = f(x.value)) return e;
    if (!wire_encodable(x.value)) return refuse_non_finite<Inspector>(x.field);
    return {};
  }
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, WireReals<T>& x) {
  auto finite = [&] {
    for (T v : x.values)
      if (!wire_encodable(v)) return false;
    return true;
  };
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(x.values);
  } else {
    if (Inspector::reads_state && !finite()) return refuse_non_finite<Inspector>(x.field);
    if (auto e = f(x.values)) return e;
    if (!finite()) return refuse_non_finite<Inspector>(x.field);
    return {};
  }
}

template <class T>
WireReal<T> wire_real(const char* field, T& value) {
  return {field, value};
}
template <class T>
WireReals<T> wire_reals(const char* field, std::vector<T>& values) {
  return {field, values};
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Reply& x) {
  return f(caf::meta::type_name("Reply"), x.code, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskParam& x) {
  return f(caf::meta::type_name("TaskParam"), x.name, x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GenerateRequest& x) {
  return f(caf::meta::type_name("GenerateRequest"), x.request_id, x.model_id, x.task_type, x.prompt,
           x.negative_prompt, x.seed, x.steps, wire_real("GenerateRequest.guidance", x.guidance),
           x.sampler, x.karras, x.width, x.height, x.count, x.tier, x.privacy, x.params, x.images,
           x.payer, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClientCommand& x) {
  return f(caf::meta::type_name("ClientCommand"), x.kind, x.request_id, x.payer, x.nonce,
           x.expires_unix_ms, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskPass& x) {
  return f(caf::meta::type_name("TaskPass"), x.steps, x.pixels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobSpec& x) {
  return f(caf::meta::type_name("JobSpec"), x.model_id, x.task_type, x.prompt, x.negative_prompt,
           x.seed, x.steps, wire_real("JobSpec.guidance", x.guidance), x.sampler, x.karras, x.width,
           x.height, x.task_script, x.params, x.passes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Job& x) {
  return f(caf::meta::type_name("Job"), x.job_id, x.request_id, x.index, x.attempt, x.tier, x.spec);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobStarted& x) {
  return f(caf::meta::type_name("JobStarted"), x.job_id, x.attempt, x.batch_size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobProgress& x) {
  return f(caf::meta::type_name("JobProgress"), x.job_id, x.attempt, x.step, x.steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobFailure& x) {
  return f(caf::meta::type_name("JobFailure"), x.job_id, x.attempt, x.code, x.reason, x.steps_done);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobResult& x) {
  return f(caf::meta::type_name("JobResult"), x.job_id, x.attempt, x.worker, x.spec_hash,
           x.model_id, x.width, x.height, wire_bytes(x.pixels), x.output_hash, x.trajectory_root,
           x.determinism_class, x.render_ms, x.batch_size, x.sampler, x.karras, x.steps,
           wire_real("JobResult.guidance", x.guidance), x.precision, x.leaf_count, x.initial_proof,
           x.final_latent_shape, wire_reals("JobResult.final_latent", x.final_latent),
           x.final_proof, x.batch_proof, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Capabilities& x) {
  return f(caf::meta::type_name("Capabilities"), x.models, x.task_types, x.device,
           x.determinism_class, x.serves_fast, x.serves_relaxed, x.max_batch, x.max_inflight,
           x.pixel_steps_per_second, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Challenge& x) {
  return f(caf::meta::type_name("Challenge"), x.protocol, x.nonce, x.coordinator,
           x.coordinator_signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Registration& x) {
  return f(caf::meta::type_name("Registration"), x.protocol, x.role, x.node, x.name, x.capabilities,
           x.nonce, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RegistrationAck& x) {
  return f(caf::meta::type_name("RegistrationAck"), x.outcome, x.coordinator, x.fast_tier, x.note);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AuditItem& x) {
  return f(caf::meta::type_name("AuditItem"), x.kind, x.step);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AuditTask& x) {
  return f(caf::meta::type_name("AuditTask"), x.audit_id, x.job, x.worker, x.claimed_output_hash,
           x.claimed_determinism_class, wire_bytes(x.claimed_pixels), x.has_commitment,
           x.commitment, x.audits, x.purpose, x.assignment, x.claimed_failure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AuditEvidence& x) {
  return f(caf::meta::type_name("AuditEvidence"), x.kind, x.outcome, x.step, x.expected, x.received,
           wire_real("AuditEvidence.error", x.error), wire_real("AuditEvidence.psnr_db", x.psnr_db),
           wire_real("AuditEvidence.ssim", x.ssim), x.detail);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Appeal& x) {
  return f(caf::meta::type_name("Appeal"), x.audit_id, x.worker, x.reason, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OpeningRequest& x) {
  return f(caf::meta::type_name("OpeningRequest"), x.audit_id, x.job_id, x.attempt, x.steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WireOpening& x) {
  return f(caf::meta::type_name("WireOpening"), x.t, x.shape,
           wire_reals("WireOpening.latent", x.latent), x.proof);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Opening& x) {
  return f(caf::meta::type_name("Opening"), x.audit_id, x.job_id, x.attempt, x.worker, x.openings,
           x.error, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Verdict& x) {
  return f(caf::meta::type_name("Verdict"), x.audit_id, x.job_id, x.attempt, x.worker, x.validator,
           x.spec_hash, x.claimed_output_hash, x.recomputed_output_hash, x.determinism_class,
           x.outcome, x.mean_abs_diff_milli, x.max_abs_diff, x.detail, x.purpose, x.assignment,
           x.evidence, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PaymentReceipt& x) {
  return f(caf::meta::type_name("PaymentReceipt"), x.charged, x.worker_paid, x.creator_paid,
           x.platform_fee, x.burned, x.reference);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClientEvent& x) {
  return f(caf::meta::type_name("ClientEvent"), x.kind, x.request_id, x.index, x.attempt, x.worker,
           x.position, x.step, x.steps, x.code, x.reason, x.width, x.height, wire_bytes(x.pixels),
           x.output_hash, x.determinism_class, x.render_ms, x.audit, x.receipt,
           wire_commitment(x.commitment), x.task_script, x.passes, x.delivered, x.failed,
           x.cancelled, x.total_charged, x.refunded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubmitAck& x) {
  return f(caf::meta::type_name("SubmitAck"), x.outcome, x.coordinator, x.request_id, x.jobs,
           x.quoted, x.hold_id, x.resumed, x.request, x.prompt_erased);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeStatus& x) {
  return f(caf::meta::type_name("NodeStatus"), x.node, x.name, x.role, x.capabilities, x.connected,
           x.blacklisted, x.fast_tier, wire_real("NodeStatus.reputation", x.reputation),
           wire_real("NodeStatus.success_score", x.success_score),
           wire_real("NodeStatus.latency_score", x.latency_score),
           wire_real("NodeStatus.uptime_score", x.uptime_score),
           wire_real("NodeStatus.audit_score", x.audit_score), x.inflight, x.jobs_done,
           x.jobs_failed, x.audits_passed, x.audits_failed,
           wire_real("NodeStatus.audit_rate", x.audit_rate), x.connected_seconds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ModelEntry& x) {
  return f(caf::meta::type_name("ModelEntry"), x.model_id, x.name, x.creator,
           x.base_render_milliseconds, x.size_multiple);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NetworkLimits& x) {
  return f(caf::meta::type_name("NetworkLimits"), x.max_count, x.max_width, x.max_height,
           x.max_steps, wire_real("NetworkLimits.max_guidance", x.max_guidance),
           x.max_prompt_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskTypeEntry& x) {
  return f(caf::meta::type_name("TaskTypeEntry"), x.name, x.script_id, x.description);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskScriptReply& x) {
  return f(caf::meta::type_name("TaskScriptReply"), x.outcome, x.file_name, x.source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, InputImageReply& x) {
  return f(caf::meta::type_name("InputImageReply"), x.outcome, x.image);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StatusReport& x) {
  return f(caf::meta::type_name("StatusReport"), x.coordinator, x.version, x.uptime_seconds,
           x.models, x.task_types, x.nodes, x.requests_active, x.jobs_queued, x.jobs_running,
           x.jobs_delivered, x.jobs_failed, x.treasury_connected, x.limits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PriceInputs& x) {
  return f(caf::meta::type_name("PriceInputs"), x.base_render_millis, x.steps, x.width, x.height,
           x.tier, x.count, x.pixel_steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LedgerOrder& x) {
  return f(caf::meta::type_name("LedgerOrder"), x.kind, x.key, x.payer, x.request_id, x.price,
           x.coordinator, x.hold_id, x.job_id, x.worker, x.creator, x.validator, x.verdict_id,
           x.completed_steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LedgerReceipt& x) {
  return f(caf::meta::type_name("LedgerReceipt"), x.ok, x.error, x.insufficient_funds,
           x.hold_released, x.seq, x.replayed, x.hold_id, x.held, x.per_job, x.worker_paid,
           x.creator_paid, x.platform_fee, x.burned, x.payer_refunded, x.tokens_slashed,
           x.validator_bounty);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QuoteReply& x) {
  return f(caf::meta::type_name("QuoteReply"), x.ok, x.error, x.per_job, x.total,
           x.render_millis_per_job);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StakeReply& x) {
  return f(caf::meta::type_name("StakeReply"), x.ok, x.error, x.bonded, x.serves_fast);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, HeldRequest& x) {
  return f(caf::meta::type_name("HeldRequest"), x.hold_id, x.request_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OpenHoldsReply& x) {
  return f(caf::meta::type_name("OpenHoldsReply"), x.ok, x.error, x.holds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LedgerCheckpoint& x) {
  return f(caf::meta::type_name("LedgerCheckpoint"), x.treasury, x.seq, x.head, x.at, x.signature);
}

}  // namespace seedgrid::protocol
