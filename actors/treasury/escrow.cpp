// Escrow: a request's quote is held when it is accepted, each job settles from the hold (finished,
// cancelled or failed), and the rest is released at the end.
#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/payment_split.hpp"
#include "actors/treasury/settle_group.hpp"
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

Result<void> insert_job(LedgerState& s, const HoldRow& hold, std::string_view job_id,
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
  return {};
}

Result<void> count_finalized(LedgerState& s, const HoldRow& hold, std::int64_t jobs) {
  auto upd = s.statement("UPDATE holds SET finalized = finalized + ? WHERE id = ?");
  if (!upd) return pass_on(upd);
  (*upd)->bind(1, jobs).bind(2, hold.id);
  if (auto r = (*upd)->run(); !r) return s.storage_error(r.error());
  return {};
}

Result<void> record_job(LedgerState& s, const HoldRow& hold, std::string_view job_id,
                        std::uint64_t seq, std::string_view outcome, std::string_view worker,
                        Micros paid) {
  if (auto r = insert_job(s, hold, job_id, seq, outcome, worker, paid); !r) return r;
  return count_finalized(s, hold, 1);
}

// How `amount` divides between the worker, the creator, the platform and the burn: the fee by the
// worker's bonded stake now.
Result<PaymentSplit> payment_split(LedgerState& s, Micros amount, const std::string& worker,
                                   const std::string& creator) {
  auto bonded = s.balance(journal::stake_account(worker), Asset::tokens);
  if (!bonded) return pass_on(bonded);
  return split_payment(s.config, amount, platform_fee_ppm(s.config, *bonded), !creator.empty());
}

// Pays `amount` from the hold to the worker, the creator, the platform and the burn.
Result<std::vector<Posting>> payment_postings(LedgerState& s, const HoldRow& hold, Micros amount,
                                              const std::string& worker,
                                              const std::string& creator) {
  auto split = payment_split(s, amount, worker, creator);
  if (!split) return pass_on(split);
  return settlement_postings(hold.id, worker, creator, *split);
}

// One job's settlement as an entry of its own, its checks done and its split known.
// `request` is its settle_request_text.
Result<JournalReceipt> settle_alone(LedgerState& s, const HoldRow& hold, const SettleJob& op,
                                    std::string_view request, const PaymentSplit& split) {
  auto postings = settlement_postings(hold.id, op.worker, op.creator, split);
  if (auto r = s.check_funds(postings); !r) return context(r.error(), "settle job ", op.job_id);
  auto receipt = s.append(op.at, "settle", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  if (auto r = record_job(s, hold, op.job_id, receipt->seq, "settled", op.worker, split.total());
      !r)
    return pass_on(r);
  return receipt;
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
  // A hold placed before holds named their coordinator replays under its text without one.
  const std::string unnamed = text.text();
  if (!op.coordinator.empty()) text.field("coordinator", op.coordinator);
  const std::string request = text.text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "hold", request, unnamed); !prior || *prior)
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
  const std::string account = journal::hold_account(static_cast<std::int64_t>(seq));
  // Its account is new (no entry has had this seq): nothing to read.
  s.note_new_account(account, Asset::credits);
  std::vector<Posting> postings = {{op.payer, Asset::credits, -price->total},
                                   {account, Asset::credits, price->total}};
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
  receipt->per_job = price->per_job;
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const SettleJob& op) {
  const std::string request = settle_request_text(op.hold_id, op.job_id, op.worker, op.creator);
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "settle", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "settle");
  if (auto r = check_payees(op.worker, op.creator); !r) return context(r.error(), "settle");
  auto hold = open_hold(s, op.hold_id);
  if (!hold) return context(hold.error(), "settle job ", op.job_id);
  if (auto r = check_job_open(s, *hold, op.job_id); !r) return context(r.error(), "settle");
  auto split = payment_split(s, hold->per_job, op.worker, op.creator);
  if (!split) return pass_on(split);
  return settle_alone(s, *hold, op, request, *split);
}

std::vector<Result<JournalReceipt>> apply_settle_group(LedgerState& s,
                                                       std::span<const SettleJob* const> ops) {
  std::vector<Result<JournalReceipt>> out(ops.size(), fail("internal error: not applied"));
  if (ops.size() == 1) out[0] = apply_op(s, *ops[0]);
  if (ops.size() < 2) return out;
  // Each job is checked as a lone settlement would be, in order, against the hold as the jobs
  // accepted before it in the group leave it; a refused job does not stop the others.
  auto hold = open_hold(s, ops.front()->hold_id);
  if (!hold && s.storage_failed) return out;
  Micros left = 0;
  if (hold) {
    auto balance = s.balance(journal::hold_account(hold->id), Asset::credits);
    if (!balance) return out;
    left = *balance;
  }
  SettleGroup group{ops.front()->hold_id, {}};
  std::vector<std::size_t> accepted;  // group.jobs[k] is ops[accepted[k]]
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const SettleJob& op = *ops[i];
    const std::string request = settle_request_text(op.hold_id, op.job_id, op.worker, op.creator);
    auto& result = out[i];
    if (auto r = check_key(op.key); !r) {
      result = pass_on(r);
    } else if (auto prior = s.replay(op.key, "settle", request); !prior || *prior) {
      result = replayed(std::move(prior));
    } else if (auto t = check_time(op.at); !t) {
      result = context(t.error(), "settle");
    } else if (auto p = check_payees(op.worker, op.creator); !p) {
      result = context(p.error(), "settle");
    } else if (!hold) {
      result = context(hold.error(), "settle job ", op.job_id);
    } else if (auto o = check_job_open(s, *hold, op.job_id); !o) {
      result = context(o.error(), "settle");
    } else if (left < hold->per_job) {
      result = fail("settle job ", op.job_id, ": ", journal::hold_account(hold->id), " has ",
                    format_fixed(left, 6), " credits, needs ", format_fixed(hold->per_job, 6));
    } else {
      auto split = payment_split(s, hold->per_job, op.worker, op.creator);
      if (!split) {
        result = pass_on(split);
      } else {
        group.jobs.push_back({op.key, op.job_id, op.worker, op.creator, *split});
        accepted.push_back(i);
        left -= hold->per_job;
        ++hold->finalized;  // the next job's check counts this one
      }
    }
    if (s.storage_failed) return out;
  }
  // One job alone is written as it always was, and so is each job of a group whose entry key
  // (it names its seq, so it is new unless a client chose it for something else) is taken.
  auto each_alone = [&] {
    for (std::size_t k = 0; k < accepted.size() && !s.storage_failed; ++k) {
      const SettleJob& op = *ops[accepted[k]];
      out[accepted[k]] = settle_alone(
          s, *hold, op, settle_request_text(op.hold_id, op.job_id, op.worker, op.creator),
          group.jobs[k].split);
    }
    return out;
  };
  if (accepted.size() < 2) return each_alone();
  const std::uint64_t seq = s.head_seq + 1;
  const std::string key = message_of(kSettleGroupOp, "/", seq);
  auto taken = s.replay(key, kSettleGroupOp, "");
  if (!taken && s.storage_failed) return out;
  if (!taken || *taken) return each_alone();
  std::vector<Posting> postings = settle_group_postings(group);
  if (auto r = s.check_funds(postings); !r) {
    for (std::size_t i : accepted) out[i] = context(r.error(), "settle job ", ops[i]->job_id);
    return out;
  }
  auto receipt = s.append(ops[accepted.front()]->at, kSettleGroupOp, key, settle_group_text(group),
                          std::move(postings));
  if (!receipt) {
    for (std::size_t i : accepted) out[i] = pass_on(receipt);
    return out;
  }
  auto keys = s.statement("INSERT INTO grouped_keys(idem_key, seq) VALUES(?, ?)");
  if (!keys) return out;
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    const GroupedSettlement& j = group.jobs[k];
    if (!insert_job(s, *hold, j.job_id, seq, "settled", j.worker, j.split.total())) return out;
    (*keys)->bind(1, j.key).bind(2, static_cast<std::int64_t>(seq));
    if (auto r = (*keys)->run(); !r) {
      (void)s.storage_error(r.error());
      return out;
    }
    JournalReceipt each;
    each.seq = receipt->seq;
    each.hash = receipt->hash;
    each.op = "settle";
    each.postings = settlement_postings(group.hold_id, j.worker, j.creator, j.split);
    out[accepted[k]] = std::move(each);
  }
  if (!count_finalized(s, *hold, static_cast<std::int64_t>(accepted.size()))) return out;
  return out;
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
