// Closing an epoch: the mint of tokens (rewards.hpp has the formula and the rounding rule).
#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/rewards.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::treasury {

Result<JournalReceipt> apply_op(LedgerState& s, const CloseEpoch& op) {
  journal::RequestText text;
  text.field("epoch", op.epoch);
  for (const WorkerService& w : op.workers)
    text.field("worker", w.worker)
        .field("speed_millis", w.speed_millis)
        .field("serving_seconds", w.serving_seconds);
  for (const ModelUsage& m : op.models)
    text.field("model", m.model_id)
        .field("creator", m.creator)
        .field("render_millis", m.render_millis);
  if (op.skip)
    text.field("skip", std::int64_t{1});  // only when set: older entries' texts are unchanged
  const std::string& request = text.text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "epoch", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "epoch ", op.epoch);
  if (op.epoch < 0) return fail("epoch number ", op.epoch, " is negative");
  auto last = s.statement("SELECT MAX(epoch) FROM epochs");
  if (!last) return pass_on(last);
  auto row = (*last)->step();
  if (!row) return s.storage_error(row.error());
  const bool any = *row && !(*last)->column_is_null(0);
  const std::int64_t last_epoch = any ? (*last)->column_int64(0) : -1;
  (*last)->reset();
  if (op.epoch <= last_epoch)
    return fail("epoch ", op.epoch, " is not after the last closed epoch ", last_epoch,
                "; epochs close once, in order");
  if (op.epoch > last_epoch + 1 && !op.skip)
    return fail("epoch ", op.epoch, " leaves a gap after the last closed epoch ", last_epoch,
                ": close epoch ", last_epoch + 1, " first, or skip epochs ", last_epoch + 1,
                op.epoch - 1 > last_epoch + 1 ? message_of("..", op.epoch - 1) : std::string(),
                " (they mint nothing) with --skip");

  std::vector<WorkerEpoch> workers;
  for (const WorkerService& w : op.workers) {
    if (auto r = check_role("epoch worker", w.worker, AccountKind::worker); !r)
      return context(r.error(), "epoch ", op.epoch);
    auto bonded = s.balance(journal::stake_account(w.worker), Asset::tokens);
    if (!bonded) return pass_on(bonded);
    workers.push_back({w.worker, w.speed_millis, w.serving_seconds, *bonded});
  }
  std::vector<CreatorEpoch> creators;
  for (const ModelUsage& m : op.models) {
    if (auto r = check_id("model id", m.model_id); !r)
      return context(r.error(), "epoch ", op.epoch);
    if (auto r = check_role(message_of("creator of model ", m.model_id), m.creator,
                            AccountKind::creator);
        !r)
      return context(r.error(), "epoch ", op.epoch);
    creators.push_back({m.creator, m.render_millis});
  }
  auto rewards = compute_epoch_rewards(s.config, op.epoch, workers, creators);
  if (!rewards) return pass_on(rewards);
  auto minted = s.minted(Asset::tokens);
  if (!minted) return pass_on(minted);
  if (*minted > kMaxSupply - rewards->minted)
    return fail("epoch ", op.epoch, ": minting ", format_micros(rewards->minted),
                " tokens would take the supply past ", format_micros(kMaxSupply));

  std::vector<Posting> postings;
  if (rewards->minted > 0)
    postings.push_back({std::string(journal::kMintAccount), Asset::tokens, -rewards->minted});
  for (const Reward& r : rewards->workers) postings.push_back({r.account, Asset::tokens, r.amount});
  for (const Reward& r : rewards->creators)
    postings.push_back({r.account, Asset::tokens, r.amount});
  auto receipt = s.append(op.at, "epoch", op.key, request, std::move(postings));
  if (!receipt) return receipt;
  auto ins = s.statement("INSERT INTO epochs(epoch, seq) VALUES(?, ?)");
  if (!ins) return pass_on(ins);
  (*ins)->bind(1, op.epoch).bind(2, static_cast<std::int64_t>(receipt->seq));
  if (auto r = (*ins)->run(); !r) return s.storage_error(r.error());
  return receipt;
}

}  // namespace seedgrid::treasury
