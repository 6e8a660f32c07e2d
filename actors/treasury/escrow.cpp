// Escrow: a request's quote is held when it is accepted, each job settles from the hold (finished,
// cancelled or failed), and the rest is released at the end.
#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/payment_split.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::treasury {

namespace {

std::string tier_name(Tier tier) { return tier == Tier::fast ? "fast" : "relaxed"; }

// The hold an operation settles from: it must exist and not be released yet.
Result<HoldRow> open_hold(LedgerState& s, std::int64_t hold_id) {
  auto hold = s.hold(hold_id);
  if (!hold) return pass_on(hold);
  if (!*hold) return fail("hold ", hold_id, " does not exist");
  if ((*hold)->released)
    return fail("hold ", hold_id, " (request ", (*hold)->request_id,
                ") was already released; its jobs can no longer be settled");
  return std::move(**hold);
}

// A job is finalised once per hold (settled, paid as cancelled or refunded), whatever its attempt.
Result<void> check_job_open(LedgerState& s, const HoldRow& hold, std::string_view job_id) {
  if (auto r = check_id("job id", job_id); !r) return r;
  auto job = s.job(hold.id, job_id);
  if (!job) return pass_on(job);
  if (*job)
    return fail("job ", job_id, " of hold ", hold.id, " was already ", (*job)->outcome,
                " by entry ", (*job)->seq);
  if (hold.finalized >= hold.jobs)
    return fail("hold ", hold.id, " (request ", hold.request_id, ") has all its ", hold.jobs,
                " jobs finalised; job ", job_id, " is one too many");
  return {};
}

Result<void> record_job(LedgerState& s, const HoldRow& hold, std::string_view job_id,
                        std::uint64_t seq, std::string_view outcome, std::string_view worker,
                        Micros paid) {
  auto ins = s.statement(
      "INSERT INTO hold_jobs(hold_id, job_id, seq, outcome, worker, paid) VALUES(?, ?, ?, ?, ?, "
      "?)");
  if (!ins) return pass_on(ins);
  (*ins)
      ->bind(1, hold.id)
      .bind(2, job_id)
      .bind(3, static_cast<std::int64_t>(seq))
      .bind(4, outcome)
      .bind(5, worker)
      .bind(6, paid);
  if (auto r = (*ins)->run(); !r) return s.storage_error(r.error());
  auto upd = s.statement("UPDATE holds SET finalized = finalized + 1 WHERE id = ?");
  if (!upd) return pass_on(upd);
  (*upd)->bind(1, hold.id);
  if (auto r = (*upd)->run(); !r) return s.storage_error(r.error());
  return {};
}

// Pays `amount` from the hold to the worker, the creator, the platform and the burn.
Result<std::vector<Posting>> payment_postings(LedgerState& s, const HoldRow& hold, Micros amount,
                                              const std::string& worker,
                                              const std::string& creator) {
  auto bonded = s.balance(journal::stake_account(worker), Asset::tokens);
  if (!bonded) return pass_on(bonded);
  const PaymentSplit split =
      split_payment(s.config, amount, platform_fee_ppm(s.config, *bonded), !creator.empty());
  std::vector<Posting> postings;
  auto add = [&](std::string account, Micros value) {
    if (value != 0) postings.push_back({std::move(account), Asset::credits, value});
  };
  add(journal::hold_account(hold.id), -amount);
  add(worker, split.worker);
  add(creator, split.creator);
  add(std::string(kPlatformAccount), split.platform);
  add(std::string(kBurnAccount), split.burned);
  return postings;
}

Result<void> check_payees(const std::string& worker, const std::string& creator) {
  if (auto r = check_role("worker", worker, AccountKind::worker); !r) return r;
  if (!creator.empty())
    if (auto r = check_role("creator", creator, AccountKind::creator); !r) return r;
  return {};
}

}  // namespace

Result<JournalReceipt> apply_op(LedgerState& s, const OpenHold& op) {
  const QuoteRequest& q = op.request;
  journal::RequestText text;
  text.field("payer", op.payer)
      .field("request_id", op.request_id)
      .field("base_render_millis", q.base_render_millis)
      .field("steps", q.steps)
      .field("width", q.width)
      .field("height", q.height)
      .field("tier", tier_name(q.tier))
      .field("count", q.count)
      .field("img2img", q.img2img ? 1 : 0)
      .field("previews", q.previews ? 1 : 0);
  // Only a job of several passes (a task script's) has its own figure, so every other hold's
  // entry reads as it always did.
  if (q.pixel_steps != 0) text.field("pixel_steps", q.pixel_steps);
  const std::string request = text.text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "hold", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "hold");
  if (auto r = check_role("payer", op.payer, AccountKind::user); !r)
    return pass_on(r);
  if (auto r = check_id("request id", op.request_id); !r) return pass_on(r);
  auto existing = s.statement("SELECT id FROM holds WHERE request_id = ?");
  if (!existing) return pass_on(existing);
  (*existing)->bind(1, op.request_id);
  auto row = (*existing)->step();
  if (!row) return s.storage_error(row.error());
  const std::int64_t existing_id = *row ? (*existing)->column_int64(0) : 0;
  (*existing)->reset();
  if (existing_id) return fail("request ", op.request_id, " already has hold ", existing_id);
  auto price = quote(s.config, q);
  if (!price) return context(price.error(), "hold for request ", op.request_id);

  const std::uint64_t seq = s.head_seq + 1;  // the hold's id
  std::vector<Posting> postings = {
      {op.payer, Asset::credits, -price->total},
      {journal::hold_account(static_cast<std::int64_t>(seq)), Asset::credits, price->total}};
  if (auto r = s.check_funds(postings); !r)
    return context(r.error(), "hold of ", format_micros(price->total), " credits for request ",
                   op.request_id);
  auto receipt = s.append(op.at, "hold", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  auto ins = s.statement(
      "INSERT INTO holds(id, request_id, payer, base_render_millis, steps, width, height, tier, "
      "count, img2img, previews, per_job, jobs) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return pass_on(ins);
  (*ins)
      ->bind(1, static_cast<std::int64_t>(receipt->seq))
      .bind(2, op.request_id)
      .bind(3, op.payer)
      .bind(4, q.base_render_millis)
      .bind(5, q.steps)
      .bind(6, q.width)
      .bind(7, q.height)
      .bind(8, static_cast<std::int64_t>(q.tier))
      .bind(9, q.count)
      .bind(10, q.img2img ? 1 : 0)
      .bind(11, q.previews ? 1 : 0)
      .bind(12, price->per_job)
      .bind(13, price->jobs);
  if (auto r = (*ins)->run(); !r) return s.storage_error(r.error());
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const SettleJob& op) {
  const std::string request = journal::RequestText()
                                  .field("hold", op.hold_id)
                                  .field("job", op.job_id)
                                  .field("worker", op.worker)
                                  .field("creator", op.creator)
                                  .text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "settle", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "settle");
  if (auto r = check_payees(op.worker, op.creator); !r) return context(r.error(), "settle");
  auto hold = open_hold(s, op.hold_id);
  if (!hold) return context(hold.error(), "settle job ", op.job_id);
  if (auto r = check_job_open(s, *hold, op.job_id); !r) return context(r.error(), "settle");
  auto postings = payment_postings(s, *hold, hold->per_job, op.worker, op.creator);
  if (!postings) return pass_on(postings);
  if (auto r = s.check_funds(*postings); !r) return context(r.error(), "settle job ", op.job_id);
  auto receipt = s.append(op.at, "settle", op.key, request, std::move(*postings));
  if (!receipt) return receipt;
  if (auto r = record_job(s, *hold, op.job_id, receipt->seq, "settled", op.worker, hold->per_job);
      !r)
    return pass_on(r);
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const PayCancelledJob& op) {
  const std::string request = journal::RequestText()
                                  .field("hold", op.hold_id)
                                  .field("job", op.job_id)
                                  .field("worker", op.worker)
                                  .field("creator", op.creator)
                                  .field("completed_steps", op.completed_steps)
                                  .text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "cancel", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "cancel");
  if (auto r = check_payees(op.worker, op.creator); !r) return context(r.error(), "cancel");
  auto hold = open_hold(s, op.hold_id);
  if (!hold) return context(hold.error(), "cancel job ", op.job_id);
  if (auto r = check_job_open(s, *hold, op.job_id); !r) return context(r.error(), "cancel");
  if (op.completed_steps < 0 || op.completed_steps > hold->request.steps)
    return fail("cancel job ", op.job_id, ": completed steps ", op.completed_steps, " must be 0..",
                hold->request.steps, " (the job's steps)");
  // Rounded down: the rest of the job's price stays in the hold and goes back at release.
  const Micros pay = static_cast<Micros>(static_cast<__int128>(hold->per_job) * op.completed_steps /
                                         hold->request.steps);
  auto postings = payment_postings(s, *hold, pay, op.worker, op.creator);
  if (!postings) return pass_on(postings);
  if (auto r = s.check_funds(*postings); !r) return context(r.error(), "cancel job ", op.job_id);
  auto receipt = s.append(op.at, "cancel", op.key, request, std::move(*postings));
  if (!receipt) return receipt;
  if (auto r = record_job(s, *hold, op.job_id, receipt->seq, "cancelled", op.worker, pay); !r)
    return pass_on(r);
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const RefundJob& op) {
  const std::string request =
      journal::RequestText().field("hold", op.hold_id).field("job", op.job_id).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "refund", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "refund");
  auto hold = open_hold(s, op.hold_id);
  if (!hold) return context(hold.error(), "refund job ", op.job_id);
  if (auto r = check_job_open(s, *hold, op.job_id); !r) return context(r.error(), "refund");
  std::vector<Posting> postings = {
      {journal::hold_account(hold->id), Asset::credits, -hold->per_job},
      {hold->payer, Asset::credits, hold->per_job}};
  if (auto r = s.check_funds(postings); !r) return context(r.error(), "refund job ", op.job_id);
  auto receipt = s.append(op.at, "refund", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  if (auto r = record_job(s, *hold, op.job_id, receipt->seq, "refunded", "", 0); !r)
    return pass_on(r);
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const ReleaseHold& op) {
  const std::string request = journal::RequestText().field("hold", op.hold_id).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "release", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "release");
  auto hold = open_hold(s, op.hold_id);
  if (!hold) return context(hold.error(), "release");
  auto remaining = s.balance(journal::hold_account(hold->id), Asset::credits);
  if (!remaining) return pass_on(remaining);
  std::vector<Posting> postings;
  if (*remaining != 0)
    postings = {{journal::hold_account(hold->id), Asset::credits, -*remaining},
                {hold->payer, Asset::credits, *remaining}};
  auto receipt = s.append(op.at, "release", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  auto upd = s.statement("UPDATE holds SET released = 1 WHERE id = ?");
  if (!upd) return pass_on(upd);
  (*upd)->bind(1, hold->id);
  if (auto r = (*upd)->run(); !r) return s.storage_error(r.error());
  return receipt;
}

}  // namespace seedgrid::treasury
