// Staking (stake, unstake with a cool-down, withdraw) and slashing on failed audit verdicts.
#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::treasury {

namespace {

struct UnbondingRow {
  std::int64_t id = 0;
  std::int64_t release_at = 0;
  Micros amount = 0;
};

// The worker's unbonding entries that still hold tokens, oldest first.
Result<std::vector<UnbondingRow>> unbonding_of(LedgerState& s, std::string_view worker) {
  auto st = s.statement("SELECT id, release_at FROM unbonding WHERE worker = ? ORDER BY id");
  if (!st) return pass_on(st);
  std::vector<UnbondingRow> rows;
  (*st)->bind(1, worker);
  for (;;) {
    auto row = (*st)->step();
    if (!row) return s.storage_error(row.error());
    if (!*row) break;
    rows.push_back({(*st)->column_int64(0), (*st)->column_int64(1), 0});
  }
  (*st)->reset();
  std::vector<UnbondingRow> out;
  for (UnbondingRow& r : rows) {
    auto amount = s.balance(journal::unbonding_account(r.id), Asset::tokens);
    if (!amount) return pass_on(amount);
    r.amount = *amount;
    if (r.amount > 0) out.push_back(r);
  }
  return out;
}

Result<void> delete_unbonding(LedgerState& s, std::int64_t id) {
  auto st = s.statement("DELETE FROM unbonding WHERE id = ?");
  if (!st) return pass_on(st);
  (*st)->bind(1, id);
  if (auto r = (*st)->run(); !r) return s.storage_error(r.error());
  return {};
}

}  // namespace

Result<std::vector<Unbonding>> list_unbonding(LedgerState& s, std::string_view worker) {
  auto rows = unbonding_of(s, worker);
  if (!rows) return pass_on(rows);
  std::vector<Unbonding> out;
  for (const UnbondingRow& r : *rows) out.push_back({r.id, r.amount, r.release_at});
  return out;
}

Result<JournalReceipt> apply_op(LedgerState& s, const Stake& op) {
  const std::string request =
      journal::RequestText().field("worker", op.worker).field("amount", op.amount).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "stake", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "stake");
  if (auto r = check_staker("stake", op.worker); !r)
    return pass_on(r);
  if (auto r = check_amount("stake amount", op.amount); !r) return pass_on(r);
  std::vector<Posting> postings = {{op.worker, Asset::tokens, -op.amount},
                                   {journal::stake_account(op.worker), Asset::tokens, op.amount}};
  if (auto r = s.check_funds(postings); !r) return context(r.error(), "stake");
  return s.append(op.at, "stake", op.key, request, std::move(postings));
}

Result<JournalReceipt> apply_op(LedgerState& s, const Unstake& op) {
  const std::string request =
      journal::RequestText().field("worker", op.worker).field("amount", op.amount).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "unstake", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "unstake");
  if (auto r = check_staker("unstake", op.worker); !r)
    return pass_on(r);
  if (auto r = check_amount("unstake amount", op.amount); !r) return pass_on(r);
  const auto id = static_cast<std::int64_t>(s.head_seq + 1);  // the unbonding entry's id
  std::vector<Posting> postings = {{journal::stake_account(op.worker), Asset::tokens, -op.amount},
                                   {journal::unbonding_account(id), Asset::tokens, op.amount}};
  if (auto r = s.check_funds(postings); !r)
    return context(r.error(), "unstake ", format_micros(op.amount), " tokens of ", op.worker);
  auto receipt = s.append(op.at, "unstake", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  auto ins = s.statement("INSERT INTO unbonding(id, worker, release_at) VALUES(?, ?, ?)");
  if (!ins) return pass_on(ins);
  (*ins)->bind(1, id).bind(2, op.worker).bind(3, op.at + s.config.unbonding_seconds);
  if (auto r = (*ins)->run(); !r) return s.storage_error(r.error());
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const Withdraw& op) {
  const std::string request = journal::RequestText().field("worker", op.worker).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "withdraw", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "withdraw");
  if (auto r = check_staker("withdraw", op.worker); !r)
    return pass_on(r);
  auto rows = unbonding_of(s, op.worker);
  if (!rows) return pass_on(rows);
  std::vector<Posting> postings;
  std::vector<std::int64_t> matured;
  Micros total = 0;
  std::int64_t next_release = -1;
  for (const UnbondingRow& r : *rows) {
    if (r.release_at <= op.at) {
      postings.push_back({journal::unbonding_account(r.id), Asset::tokens, -r.amount});
      matured.push_back(r.id);
      total += r.amount;
    } else if (next_release < 0 || r.release_at < next_release) {
      next_release = r.release_at;
    }
  }
  if (matured.empty()) {
    if (next_release < 0) return fail("withdraw: ", op.worker, " has no unbonding stake");
    return fail("withdraw: the cool-down of ", op.worker, "'s unbonding stake ends at ",
                next_release, ", ", next_release - op.at, " s after ", op.at);
  }
  postings.push_back({op.worker, Asset::tokens, total});
  auto receipt = s.append(op.at, "withdraw", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  for (std::int64_t id : matured)
    if (auto r = delete_unbonding(s, id); !r) return pass_on(r);
  return receipt;
}

Result<JournalReceipt> apply_op(LedgerState& s, const Slash& op) {
  const std::string request = journal::RequestText()
                                  .field("verdict", op.verdict_id)
                                  .field("worker", op.worker)
                                  .field("validator", op.validator)
                                  .field("hold", op.hold_id)
                                  .field("job", op.job_id)
                                  .text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "slash", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "slash");
  if (auto r = check_id("verdict id", op.verdict_id); !r) return context(r.error(), "slash");
  // The slashed party is a worker (a failed verdict) or a validator (a verdict overturned on
  // appeal); a validator's stake is held like a worker's, under stake:<account>.
  if (auto r = check_role("slashed worker", op.worker, AccountKind::worker); !r) {
    if (!check_role("slashed validator", op.worker, AccountKind::validator))
      return context(r.error(), "slash");
    if (op.hold_id != 0) return fail("slash: a validator's slash refunds no job (hold ", op.hold_id, ")");
  }
  if (auto r = check_role("validator", op.validator, AccountKind::validator); !r)
    return context(r.error(), "slash");
  auto seen = s.statement("SELECT seq FROM verdicts WHERE verdict_id = ?");
  if (!seen) return pass_on(seen);
  (*seen)->bind(1, op.verdict_id);
  auto row = (*seen)->step();
  if (!row) return s.storage_error(row.error());
  const std::int64_t seen_seq = *row ? (*seen)->column_int64(0) : 0;
  (*seen)->reset();
  if (seen_seq)
    return fail("slash: verdict ", op.verdict_id, " was already applied by entry ", seen_seq);

  // Credits: refund the payer what the audited job cost, clawed back from the worker, then the
  // platform. Checked first so an invalid job reference rejects the whole slash.
  std::vector<Posting> postings;
  std::optional<HoldRow> hold;
  if (op.hold_id != 0) {
    auto h = s.hold(op.hold_id);
    if (!h) return pass_on(h);
    if (!*h) return fail("slash: hold ", op.hold_id, " does not exist");
    hold = std::move(*h);
    auto job = s.job(op.hold_id, op.job_id);
    if (!job) return pass_on(job);
    if (!*job || (*job)->outcome == "refunded")
      return fail("slash: job ", op.job_id, " of hold ", op.hold_id,
                  " was not paid to any worker, so there is nothing to refund");
    if ((*job)->worker != op.worker)
      return fail("slash: job ", op.job_id, " of hold ", op.hold_id, " was paid to ",
                  (*job)->worker, ", not to ", op.worker);
    if (!(*job)->clawed_back && (*job)->paid > 0) {
      auto from_worker = s.balance(op.worker, Asset::credits);
      if (!from_worker) return pass_on(from_worker);
      auto from_platform = s.balance(kPlatformAccount, Asset::credits);
      if (!from_platform) return pass_on(from_platform);
      const Micros take_worker = std::min((*job)->paid, *from_worker);
      const Micros take_platform = std::min((*job)->paid - take_worker, *from_platform);
      if (take_worker > 0) postings.push_back({op.worker, Asset::credits, -take_worker});
      if (take_platform > 0)
        postings.push_back({std::string(kPlatformAccount), Asset::credits, -take_platform});
      if (take_worker + take_platform > 0)
        postings.push_back({hold->payer, Asset::credits, take_worker + take_platform});
    }
  }

  // Tokens: slash_ppm of bonded + unbonding, bonded first, then unbonding oldest first.
  auto bonded = s.balance(journal::stake_account(op.worker), Asset::tokens);
  if (!bonded) return pass_on(bonded);
  auto unbonding = unbonding_of(s, op.worker);
  if (!unbonding) return pass_on(unbonding);
  Micros stake = *bonded;
  for (const UnbondingRow& r : *unbonding) stake += r.amount;
  const Micros slashed =
      static_cast<Micros>(static_cast<__int128>(stake) * s.config.slash_ppm / kPpm);
  Micros left = slashed;
  std::vector<std::int64_t> emptied;  // unbonding entries the slash takes whole
  const Micros from_bonded = std::min(left, *bonded);
  if (from_bonded > 0)
    postings.push_back({journal::stake_account(op.worker), Asset::tokens, -from_bonded});
  left -= from_bonded;
  for (const UnbondingRow& r : *unbonding) {
    if (left == 0) break;
    const Micros take = std::min(left, r.amount);
    postings.push_back({journal::unbonding_account(r.id), Asset::tokens, -take});
    if (take == r.amount) emptied.push_back(r.id);
    left -= take;
  }
  const Micros bounty =
      static_cast<Micros>(static_cast<__int128>(slashed) * s.config.slash_bounty_ppm / kPpm);
  if (bounty > 0) postings.push_back({op.validator, Asset::tokens, bounty});
  if (slashed - bounty > 0)
    postings.push_back({std::string(kBurnAccount), Asset::tokens, slashed - bounty});
  if (auto r = s.check_funds(postings); !r) return context(r.error(), "slash");

  auto receipt = s.append(op.at, "slash", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  auto ins = s.statement("INSERT INTO verdicts(verdict_id, seq) VALUES(?, ?)");
  if (!ins) return pass_on(ins);
  (*ins)->bind(1, op.verdict_id).bind(2, static_cast<std::int64_t>(receipt->seq));
  if (auto r = (*ins)->run(); !r) return s.storage_error(r.error());
  for (std::int64_t id : emptied)
    if (auto r = delete_unbonding(s, id); !r) return pass_on(r);
  if (hold) {
    auto upd = s.statement("UPDATE hold_jobs SET clawed_back = 1 WHERE hold_id = ? AND job_id = ?");
    if (!upd) return pass_on(upd);
    (*upd)->bind(1, op.hold_id).bind(2, op.job_id);
    if (auto r = (*upd)->run(); !r) return s.storage_error(r.error());
  }
  return receipt;
}

}  // namespace seedgrid::treasury
