#include "actors/treasury/treasury_actor_desk.hpp"

#include <optional>

#include "actors/treasury/accounts.hpp"

namespace seedgrid::treasury {

namespace {

QuoteRequest quote_request_of(const protocol::PriceInputs& p) {
  QuoteRequest q;
  q.base_render_millis = p.base_render_millis;
  q.steps = static_cast<int>(p.steps);
  q.width = static_cast<int>(p.width);
  q.height = static_cast<int>(p.height);
  q.tier = p.tier == protocol::Tier::fast ? Tier::fast : Tier::relaxed;
  q.count = static_cast<int>(p.count);
  q.pixel_steps = p.pixel_steps > static_cast<std::uint64_t>(INT64_MAX)
                      ? -1  // refused by quote() with the figure out of range
                      : static_cast<std::int64_t>(p.pixel_steps);
  return q;
}

protocol::LedgerReceipt refused(std::string error) {
  protocol::LedgerReceipt r;
  r.ok = false;
  r.error = std::move(error);
  return r;
}

bool is_user(const std::string& account) { return account.rfind("user:", 0) == 0; }

}  // namespace

Result<TreasuryConfig> treasury_config_of(const config::TreasurySection& section) {
  TreasuryConfig c;
  for (const auto& e : section.economics) {
    if (auto r = set_config_value(c, e.key, e.value); !r)
      return context(r.error(), "$.treasury.economics.", e.key);
  }
  if (section.fee_tiers) {
    c.fee_tiers.clear();
    for (const auto& t : *section.fee_tiers)
      c.fee_tiers.push_back({t.stake_above_minimum, t.fee_ppm});
  }
  if (auto r = validate(c); !r) return context(r.error(), "$.treasury.economics");
  return c;
}

Result<Operation> operation_of(const protocol::LedgerOrder& o, std::int64_t at) {
  using K = protocol::LedgerOrderKind;
  switch (o.kind) {
    case K::hold:
      return OpenHold{o.key, at, o.payer, o.request_id, quote_request_of(o.price), o.coordinator};
    case K::settle:
      return SettleJob{o.key, at, o.hold_id, o.job_id, o.worker, o.creator};
    case K::pay_cancelled:
      return PayCancelledJob{
          o.key, at, o.hold_id, o.job_id, o.worker, o.creator, static_cast<int>(o.completed_steps)};
    case K::refund:
      return RefundJob{o.key, at, o.hold_id, o.job_id};
    case K::release:
      return ReleaseHold{o.key, at, o.hold_id};
    case K::slash:
      return Slash{o.key, at, o.verdict_id, o.worker, o.validator, o.hold_id, o.job_id};
  }
  return fail("order ", o.key, " has an unknown kind ", static_cast<int>(o.kind));
}

protocol::LedgerReceipt TreasuryDesk::receipt_of(const protocol::LedgerOrder& o,
                                                 const JournalReceipt& r) const {
  protocol::LedgerReceipt out;
  out.ok = true;
  out.seq = r.seq;
  out.replayed = r.replayed;
  out.hold_id = r.hold_id;
  for (const Posting& p : r.postings) {
    if (p.asset == Asset::credits) {
      if (p.account == kPlatformAccount)
        out.platform_fee += p.amount;
      else if (p.account == kBurnAccount)
        out.burned += p.amount;
      else if (!o.worker.empty() && p.account == o.worker)
        out.worker_paid += p.amount;
      else if (!o.creator.empty() && p.account == o.creator)
        out.creator_paid += p.amount;
      else if (is_user(p.account) && p.amount > 0)
        out.payer_refunded += p.amount;
      else if (o.kind == protocol::LedgerOrderKind::hold && is_user(p.account))
        out.held -= p.amount;
    } else {
      if (!o.validator.empty() && p.account == o.validator) out.validator_bounty += p.amount;
      if (p.account == kBurnAccount || p.account == o.validator) out.tokens_slashed += p.amount;
    }
  }
  if (o.kind == protocol::LedgerOrderKind::hold) {
    out.per_job = r.per_job;
    if (r.replayed)  // the hold applied earlier says
      if (auto h = ledger_.hold(r.hold_id)) {
        // Released, it escrows nothing: a request going on under it would render unpaid. (The
        // ledger still replays it, as it replays every key.)
        if (h->released) {
          out = refused("request " + o.request_id + "'s hold " + std::to_string(r.hold_id) +
                        " was released; the request id cannot be held again: submit it under a "
                        "new id");
          out.hold_released = true;
          return out;
        }
        out.per_job = h->per_job;
      }
  }
  return out;
}

std::vector<protocol::LedgerReceipt> TreasuryDesk::apply(
    std::span<const protocol::LedgerOrder> orders, std::int64_t at) {
  std::vector<protocol::LedgerReceipt> out(orders.size());
  std::vector<Operation> ops;
  std::vector<std::size_t> slot;  // ops[k] answers orders[slot[k]]
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    auto op = operation_of(o, at);
    if (!op) {
      out[i] = refused(op.error().message);
      continue;
    }
    ops.push_back(std::move(*op));
    slot.push_back(i);
  }
  auto results = ledger_.apply_batch(ops);
  for (std::size_t k = 0; k < results.size(); ++k) {
    const auto& o = orders[slot[k]];
    out[slot[k]] = results[k] ? receipt_of(o, *results[k]) : refused(results[k].error().message);
    // A hold the payer cannot cover is told apart from other refusals: the client is told to
    // deposit credits rather than that something is broken.
    if (!results[k] && o.kind == protocol::LedgerOrderKind::hold && is_user(o.payer)) {
      auto q = ledger_.quote(quote_request_of(o.price));
      auto have = ledger_.balance(o.payer, Asset::credits);
      if (q && have && *have < q->total) {
        out[slot[k]].insufficient_funds = true;
        out[slot[k]].error = o.payer + " has " + std::to_string(*have) +
                             " micro-credits, the request needs " + std::to_string(q->total) +
                             "; deposit credits first";
      }
    }
  }
  return out;
}

protocol::QuoteReply TreasuryDesk::quote(const protocol::PriceInputs& price) const {
  protocol::QuoteReply reply;
  auto q = ledger_.quote(quote_request_of(price));
  if (!q) {
    reply.error = q.error().message;
    return reply;
  }
  reply.ok = true;
  reply.per_job = q->per_job;
  reply.total = q->total;
  reply.render_millis_per_job = q->render_millis_per_job;
  return reply;
}

protocol::StakeReply TreasuryDesk::stake(const std::string& worker_account) const {
  protocol::StakeReply reply;
  auto s = ledger_.stake_of(worker_account);
  if (!s) {
    reply.error = s.error().message;
    return reply;
  }
  reply.ok = true;
  reply.bonded = s->bonded;
  reply.serves_fast = s->serves_fast;
  return reply;
}

protocol::OpenHoldsReply TreasuryDesk::open_holds(const std::string& coordinator) const {
  protocol::OpenHoldsReply reply;
  if (auto key = PublicKey::from_hex(coordinator); !key) {
    reply.error = "'" + coordinator + "' is not a coordinator key: " + key.error().message;
    return reply;
  }
  auto holds = ledger_.open_holds_ordered_by(coordinator);
  if (!holds) {
    reply.error = holds.error().message;
    return reply;
  }
  reply.ok = true;
  reply.holds.reserve(holds->size());
  for (auto& h : *holds) reply.holds.push_back({h.id, std::move(h.request_id)});
  return reply;
}

}  // namespace seedgrid::treasury
