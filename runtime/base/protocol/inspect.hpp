#pragma once
// CAF `inspect` overloads: how each protocol message is serialized between nodes. Include this only
// from .cpp files that send or register these types (actors and node bootstrap); it pulls in just
// CAF's type-name annotation, never the actor headers.
#include <caf/meta/type_name.hpp>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/error_code.hpp"
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

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Reply& x) {
  return f(caf::meta::type_name("Reply"), x.code, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GenerateRequest& x) {
  return f(caf::meta::type_name("GenerateRequest"), x.request_id, x.model_id, x.task_type, x.prompt,
           x.negative_prompt, x.seed, x.steps, x.guidance, x.sampler, x.karras, x.width, x.height,
           x.count, x.tier, x.privacy, x.payer, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClientCommand& x) {
  return f(caf::meta::type_name("ClientCommand"), x.kind, x.request_id, x.payer, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobSpec& x) {
  return f(caf::meta::type_name("JobSpec"), x.model_id, x.task_type, x.prompt, x.negative_prompt,
           x.seed, x.steps, x.guidance, x.sampler, x.karras, x.width, x.height);
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
           x.model_id, x.width, x.height, x.pixels, x.output_hash, x.trajectory_root,
           x.determinism_class, x.render_ms, x.batch_size, x.sampler, x.karras, x.steps,
           x.guidance, x.precision, x.leaf_count, x.initial_proof, x.final_latent_shape,
           x.final_latent, x.final_proof, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Capabilities& x) {
  return f(caf::meta::type_name("Capabilities"), x.models, x.task_types, x.device,
           x.determinism_class, x.serves_fast, x.serves_relaxed, x.max_batch, x.max_inflight,
           x.pixel_steps_per_second, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Challenge& x) {
  return f(caf::meta::type_name("Challenge"), x.nonce, x.coordinator, x.coordinator_signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Registration& x) {
  return f(caf::meta::type_name("Registration"), x.role, x.node, x.capabilities, x.nonce,
           x.signature);
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
           x.claimed_determinism_class, x.claimed_pixels, x.has_commitment, x.commitment,
           x.audits, x.purpose, x.assignment);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AuditEvidence& x) {
  return f(caf::meta::type_name("AuditEvidence"), x.kind, x.outcome, x.step, x.expected,
           x.received, x.error, x.psnr_db, x.ssim, x.detail);
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
  return f(caf::meta::type_name("WireOpening"), x.t, x.shape, x.latent, x.proof);
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
typename Inspector::result_type inspect(Inspector& f, Receipt& x) {
  return f(caf::meta::type_name("Receipt"), x.charged, x.worker_paid, x.creator_paid,
           x.platform_fee, x.burned, x.reference);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClientEvent& x) {
  return f(caf::meta::type_name("ClientEvent"), x.kind, x.request_id, x.index, x.attempt, x.worker,
           x.position, x.step, x.steps, x.code, x.reason, x.width, x.height, x.pixels,
           x.output_hash, x.determinism_class, x.render_ms, x.audit, x.receipt, x.has_commitment,
           x.commitment, x.delivered,
           x.failed, x.cancelled, x.total_charged, x.refunded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubmitAck& x) {
  return f(caf::meta::type_name("SubmitAck"), x.outcome, x.coordinator, x.request_id, x.jobs,
           x.quoted, x.hold_id, x.resumed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeStatus& x) {
  return f(caf::meta::type_name("NodeStatus"), x.node, x.role, x.capabilities, x.connected,
           x.blacklisted, x.fast_tier, x.reputation, x.success_score, x.latency_score,
           x.uptime_score, x.audit_score, x.inflight, x.jobs_done, x.jobs_failed, x.audits_passed,
           x.audits_failed, x.audit_rate, x.connected_seconds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ModelEntry& x) {
  return f(caf::meta::type_name("ModelEntry"), x.model_id, x.name, x.creator,
           x.base_render_milliseconds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StatusReport& x) {
  return f(caf::meta::type_name("StatusReport"), x.coordinator, x.version, x.uptime_seconds,
           x.models, x.nodes, x.requests_active, x.jobs_queued, x.jobs_running, x.jobs_delivered,
           x.jobs_failed, x.treasury_connected);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PriceInputs& x) {
  return f(caf::meta::type_name("PriceInputs"), x.base_render_millis, x.steps, x.width, x.height,
           x.tier, x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LedgerOrder& x) {
  return f(caf::meta::type_name("LedgerOrder"), x.kind, x.key, x.payer, x.request_id, x.price,
           x.hold_id, x.job_id, x.worker, x.creator, x.validator, x.verdict_id, x.completed_steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LedgerReceipt& x) {
  return f(caf::meta::type_name("LedgerReceipt"), x.ok, x.error, x.insufficient_funds, x.seq,
           x.replayed, x.hold_id, x.held, x.per_job, x.worker_paid, x.creator_paid, x.platform_fee,
           x.burned, x.payer_refunded, x.tokens_slashed, x.validator_bounty);
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
typename Inspector::result_type inspect(Inspector& f, LedgerCheckpoint& x) {
  return f(caf::meta::type_name("LedgerCheckpoint"), x.treasury, x.seq, x.head, x.at, x.signature);
}

}  // namespace seedgrid::protocol
