// The journal's record of verification: each job's audit state, the penalties waiting for their
// appeal window, the notices sent to workers, and the slashes ordered from the treasury.
#include <string>
#include <vector>

#include "actors/coordinator/journal_columns.hpp"
#include "actors/coordinator/journal_state.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::coordinator {

using storage::Database;
using namespace journal_columns;

// Puts each job's verification record back (rows of jobs that are gone are ignored).
Result<void> load_verification(Database& db, const SecretBox& box, RequestState& r) {
  auto q = db.prepare("SELECT * FROM verification WHERE request_id = ? ORDER BY idx");
  if (!q) return pass_on(q);
  q->bind(1, r.request.request_id);
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    const auto index = static_cast<std::size_t>(q->column_int64(1));
    if (index >= r.jobs.size()) continue;
    JobState& j = r.jobs[index];
    if (!q->column_is_null(2)) {
      auto commitment = commitment_from_text(box, q->column_text(2));
      if (!commitment)
        return context(commitment.error(), "journal: commitment of job ", index, " of request ",
                       r.request.request_id);
      j.audit.commitment = std::make_shared<const protocol::JobResult>(std::move(*commitment));
    }
    j.audit.plan = plan_from_blob(q->column_blob(3));
    const std::string purpose = q->column_text(4);
    auto named = protocol::parse_audit_purpose(purpose);
    if (!named)
      return fail("journal: audit purpose '", purpose, "' of job ", index, " of request ",
                  r.request.request_id, " is not sampled, referee or appeal");
    j.audit.purpose = *named;
    j.audit.excluded = keys_from_blob(q->column_blob(5));
  }
  return {};
}

Result<void> Journal::put_verification(const std::string& request_id, const JobState& j) {
  if (auto t = ensure_transaction(); !t) return t;
  auto& s = state_->put_verification;
  s.bind(1, request_id).bind(2, std::int64_t{j.index});
  if (j.audit.commitment)
    s.bind(3, commitment_text(*j.audit.commitment));
  else
    s.bind_null(3);
  return s.bind_blob(4, plan_blob(j.audit.plan))
      .bind(5, std::string(protocol::audit_purpose_name(j.audit.purpose)))
      .bind_blob(6, keys_blob(j.audit.excluded))
      .run();
}

Result<void> Journal::put_penalty(const JournaledPenalty& p) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->put_penalty.bind(1, p.audit_id)
      .bind_blob(2, key_bytes(p.worker))
      .bind_blob(3, key_bytes(p.validator))
      .bind(4,
            state_->prompts.seal(receipt_text(p.job, p.commitment.value_or(protocol::JobResult{}))))
      .bind(5, std::int64_t{p.commitment.has_value()})
      .bind_blob(6, p.output_hash)
      .bind(7, p.worker_class)
      .bind_blob(8, plan_blob(p.plan))
      .bind(9, p.remaining_ms)
      .bind(10, std::int64_t{p.appealed})
      .run();
}

Result<void> Journal::delete_penalty(const std::string& audit_id) {
  if (auto t = ensure_transaction(); !t) return t;
  if (auto r = state_->delete_notice.bind(1, audit_id).run(); !r) return r;
  return state_->delete_penalty.bind(1, audit_id).run();
}

Result<void> Journal::put_notice(const protocol::Verdict& verdict) {
  if (auto t = ensure_transaction(); !t) return t;
  const auto blob = verdict_blob(verdict);
  if (blob.empty()) return fail("journal: the notice of ", verdict.audit_id, " cannot be encoded");
  return state_->put_notice.bind(1, verdict.audit_id).bind_blob(2, blob).run();
}

Result<std::vector<JournaledPenalty>> Journal::load_penalties() const {
  auto q = state_->db.prepare(
      "SELECT penalties.*, notices.verdict FROM penalties LEFT JOIN notices USING(audit_id) "
      "ORDER BY audit_id");
  if (!q) return pass_on(q);
  std::vector<JournaledPenalty> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    JournaledPenalty p;
    p.audit_id = q->column_text(0);
    auto worker = key_from_blob(q->column_blob(1));
    auto validator = key_from_blob(q->column_blob(2));
    auto text = unsealed(state_->prompts, q->column_text(3));
    if (!text) return context(text.error(), "journal: penalty ", p.audit_id);
    auto receipt = verify::parse_receipt(*text);
    if (!worker || !validator || !receipt)
      return fail("journal: penalty ", p.audit_id, " cannot be read back",
                  receipt ? std::string() : ": " + receipt.error().message);
    p.worker = *worker;
    p.validator = *validator;
    p.job = receipt->job;
    if (q->column_int64(4) != 0) p.commitment = std::move(receipt->result);
    p.output_hash = digest_from_blob(q->column_blob(5));
    p.worker_class = q->column_text(6);
    p.plan = plan_from_blob(q->column_blob(7));
    p.remaining_ms = q->column_int64(8);
    p.appealed = q->column_int64(9) != 0;
    if (!q->column_is_null(10)) p.notice = verdict_from_blob(q->column_blob(10));
    out.push_back(std::move(p));
  }
  return out;
}

Result<void> Journal::put_slash(const protocol::LedgerOrder& o) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->put_slash.bind(1, o.key)
      .bind(2, o.verdict_id)
      .bind(3, o.worker)
      .bind(4, o.validator)
      .run();
}

Result<void> Journal::slash_done(const std::string& key) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->slash_done.bind(1, key).run();
}

Result<std::vector<protocol::LedgerOrder>> Journal::pending_slashes() const {
  auto q = state_->db.prepare(
      "SELECT key, verdict_id, worker, validator FROM slashes "
      "WHERE done = 0 ORDER BY key");
  if (!q) return pass_on(q);
  std::vector<protocol::LedgerOrder> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    protocol::LedgerOrder o;
    o.kind = protocol::LedgerOrderKind::slash;
    o.key = q->column_text(0);
    o.verdict_id = q->column_text(1);
    o.worker = q->column_text(2);
    o.validator = q->column_text(3);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace seedgrid::coordinator
