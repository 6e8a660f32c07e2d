// The coordinator's side of the simulated links: every call into the real core is followed by
// its journal commit and then its effects, each delivered as an event after its link's latency.
// Treasury orders travel in batches (one group commit of the real ledger per trip), as the
// treasury actor applies what reached it together.
#include <algorithm>
#include <variant>

#include "actors/coordinator/node_registry.hpp"
#include "runtime/base/protocol/ids.hpp"
#include "runtime/sim/network_state.hpp"

namespace seedgrid::sim {

using coordinator::Outbox;

namespace {

void stop(NetworkState& s, Error e) {
  if (!s.stopped) s.stopped = std::move(e);
}

bool pays_for_job(protocol::LedgerOrderKind k) {
  return k == protocol::LedgerOrderKind::settle || k == protocol::LedgerOrderKind::pay_cancelled ||
         k == protocol::LedgerOrderKind::refund;
}

void count_money(NetworkState& s, const protocol::LedgerOrder& o,
                 const protocol::LedgerReceipt& r) {
  if (!r.ok || r.replayed) return;
  auto& m = s.summary.money;
  m.held += r.held;
  m.worker_paid += r.worker_paid;
  m.creator_paid += r.creator_paid;
  m.platform_fee += r.platform_fee;
  m.burned += r.burned;
  m.refunded += r.payer_refunded;
  m.tokens_slashed += r.tokens_slashed;
  m.validator_bounty += r.validator_bounty;
  if (pays_for_job(o.kind)) ++s.observed.payments[o.job_id];
  if (o.kind == protocol::LedgerOrderKind::slash)
    for (auto& f : s.facts)
      if (f.account == o.worker && f.honest)
        stop(s, Error{"invariant 'no honest worker slashed' broken at virtual time " +
                      std::to_string(s.now()) + " ms (seed " + std::to_string(s.seed) +
                      "): the coordinator ordered a slash of honest " + o.worker +
                      "; replay with --seed " + std::to_string(s.seed)});
}

// One trip to the treasury: every order placed since the last trip, applied in one group commit;
// the receipts come back one link later.
// Orders whose trip failed (no route, or the receipts lost on the way back): the coordinator
// learns it when its request times out, and re-sends them (the ledger's idempotency keys make a
// second apply of an order that did reach it a no-op).
void orders_lost(NetworkState& s, std::size_t c, std::vector<protocol::LedgerOrder> orders) {
  s.summary.orders_lost += orders.size();
  s.queue.after(s.scenario.link_timeout_ms, [&s, c, orders = std::move(orders)] {
    with_core(s, c, [&](Outbox&) {
      for (const auto& o : orders) s.core(c).on_order_lost(o, s.now());
    });
  });
}

void flush_orders(NetworkState& s, std::size_t c) {
  SimCoordinator& k = s.coordinators[c];
  std::vector<protocol::LedgerOrder> orders = std::move(k.orders);
  k.orders.clear();
  if (!treasury_reachable(s)) {
    k.orders_in_flight = false;
    orders_lost(s, c, std::move(orders));
    return;
  }
  auto receipts = s.desk->apply(orders, s.unix_s());
  s.queue.after(s.scenario.treasury_ms,
                [&s, c, orders = std::move(orders), receipts = std::move(receipts)]() mutable {
                  SimCoordinator& k = s.coordinators[c];
                  k.orders_in_flight = false;
                  if (!treasury_reachable(s)) {  // applied, but the answers never arrive
                    orders_lost(s, c, std::move(orders));
                    return;
                  }
                  with_core(
                      s, c,
                      [&](Outbox& out) {
                        for (std::size_t i = 0; i < orders.size(); ++i) {
                          count_money(s, orders[i], receipts[i]);
                          s.core(c).on_receipt(orders[i], receipts[i], s.now(), out);
                        }
                      },
                      std::max<std::uint64_t>(1, orders.size()));
                  if (!k.orders.empty() && !k.orders_in_flight) {
                    k.orders_in_flight = true;
                    s.queue.after(s.scenario.treasury_ms, [&s, c] { flush_orders(s, c); });
                  }
                });
}

void tell_client(NetworkState& s, const protocol::ClientEvent& e) {
  using protocol::EventKind;
  switch (e.kind) {
    case EventKind::result:
      ++s.observed.deliveries[protocol::job_id_of(e.request_id, e.index)];
      break;
    case EventKind::retry:
      ++s.summary.retries;
      break;
    case EventKind::completed:
      if (!s.observed.ended.insert(e.request_id).second) break;
      if (auto it = s.requests.find(e.request_id); it != s.requests.end()) {
        if (auto r = check_request_end(s.invariant_inputs(), e, it->second.jobs); !r)
          stop(s, r.error());
        s.summary.delivered += e.delivered;
        s.summary.failed += e.failed;
        s.summary.cancelled += e.cancelled;
      }
      request_ended(s, e.request_id);
      break;
    default:
      break;
  }
}

// The effects of a commit group's calls, in the order the actor delivers them.
void carry_out(NetworkState& s, std::size_t c, std::vector<Outbox>& group) {
  Outbox::for_each_effect(group, [&](auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (std::is_same_v<E, coordinator::AnswerSubmit>) {
      if (e.ack.outcome.ok()) {
        s.observed.accepted.insert(e.ack.request_id);
      } else {
        ++s.summary.requests_refused;
        request_ended(s, e.ack.request_id);
      }
    } else if constexpr (std::is_same_v<E, coordinator::SendJob>) {
      const std::size_t w = s.worker_of.at(e.worker);
      if (e.job.attempt == 1) {
        auto it = s.requests.find(e.job.request_id);
        if (it != s.requests.end()) s.queue_waits.push_back(s.now() - it->second.submitted_ms);
      }
      const std::uint64_t inc = s.workers[w].incarnation;
      s.queue.after(worker_latency(s, w), [&s, w, inc, c, job = std::move(e.job)]() mutable {
        worker_receives(s, w, inc, c, std::move(job));
      });
    } else if constexpr (std::is_same_v<E, coordinator::CancelJob>) {
      const std::size_t w = s.worker_of.at(e.worker);
      const std::uint64_t inc = s.workers[w].incarnation;
      s.queue.after(worker_latency(s, w), [&s, w, inc, id = e.job_id, attempt = e.attempt] {
        worker_cancels(s, w, inc, id, attempt);
      });
    } else if constexpr (std::is_same_v<E, coordinator::SendAudit>) {
      const std::size_t v = s.validator_of.at(e.validator);
      ++s.summary.audits;
      s.queue.after(
          latency(s.scenario, s.validators[v].link),
          [&s, v, c, inc = s.validators[v].incarnation, task = std::move(e.task)]() mutable {
            validator_receives(s, v, inc, c, std::move(task));
          });
    } else if constexpr (std::is_same_v<E, coordinator::TellClient>) {
      tell_client(s, e.event);
    } else if constexpr (std::is_same_v<E, coordinator::PlaceOrder>) {
      SimCoordinator& k = s.coordinators[c];
      k.orders.push_back(std::move(e.order));
      if (!k.orders_in_flight) {
        k.orders_in_flight = true;
        s.queue.after(s.scenario.treasury_ms, [&s, c] { flush_orders(s, c); });
      }
    } else if constexpr (std::is_same_v<E, coordinator::CheckStake>) {
      s.queue.after(2 * s.scenario.treasury_ms, [&s, c, worker = e.worker] {
        if (!treasury_reachable(s)) {
          s.core(c).stake_unknown(worker, s.now());
          return;
        }
        const auto word = s.desk->stake(coordinator::worker_account(worker));
        with_core(s, c, [&](Outbox& o) { s.core(c).on_stake(worker, word, s.now(), o); });
      });
    } else if constexpr (std::is_same_v<E, coordinator::AskOpenHolds>) {
      s.queue.after(2 * s.scenario.treasury_ms, [&s, c, key = e.coordinator] {
        if (!treasury_reachable(s)) {
          s.core(c).open_holds_unknown(s.now());
          return;
        }
        const auto holds = s.desk->open_holds(key);
        with_core(s, c, [&](Outbox& o) { s.core(c).on_open_holds(holds, s.now(), o); });
      });
    }
    // NotifyVerdict: simulated cheaters do not appeal; the window runs out.
  });
}

}  // namespace

std::int64_t latency(const Scenario& sc, RandomStream& link) {
  return sc.link_min_ms +
         static_cast<std::int64_t>(link.below(std::uint64_t(sc.link_max_ms - sc.link_min_ms + 1)));
}

namespace {

std::int64_t ms_after(std::int64_t us) { return (us + 999) / 1000; }

// Group commit, as the coordinator actor does it: one journal commit for every call made until
// the commit event comes round, then the effects of the calls the thread has got through go out
// in order; the rest wait for a later commit.
void commit_group(NetworkState& s, std::size_t c) {
  SimCoordinator& k = s.coordinators[c];
  k.commit_queued = false;
  if (s.stopped) return;
  if (auto r = k.core->commit(); !r) {
    stop(s, Error{"coordinator " + std::to_string(c) + " stopped at virtual time " +
                  std::to_string(s.now()) + " ms (seed " + std::to_string(s.seed) +
                  "): " + r.error().message});
    return;
  }
  std::vector<Outbox> group;
  const std::int64_t now_us = s.now() * 1000;
  while (!k.uncommitted.empty() && k.uncommitted.front().done_us <= now_us) {
    group.push_back(std::move(k.uncommitted.front().effects));
    k.uncommitted.pop_front();
  }
  if (!k.uncommitted.empty()) {
    k.commit_queued = true;
    s.queue.at(ms_after(k.uncommitted.front().done_us), [&s, c] { commit_group(s, c); });
  }
  carry_out(s, c, group);
}

}  // namespace

bool treasury_reachable(const NetworkState& s) { return s.now() >= s.treasury_cut_until_ms; }

coordinator::StakeWord stake_word(NetworkState& s, const protocol::Registration& reg) {
  coordinator::StakeWord word;  // unreachable
  if (treasury_reachable(s))
    word = {coordinator::StakeWord::Source::answered,
            s.desk->stake(coordinator::CoordinatorCore::stake_account_of(reg))};
  return word;
}

void schedule_treasury_cuts(NetworkState& s) {
  for (const Partition& p : s.scenario.partitions) {
    if (!p.treasury) continue;
    s.queue.at(p.at_ms, [&s, &p] {
      ++s.summary.treasury_cuts;
      s.treasury_cut_until_ms = std::max(s.treasury_cut_until_ms, s.now() + p.duration_ms);
      s.queue.at(s.treasury_cut_until_ms, [&s] {
        if (!treasury_reachable(s)) return;  // a later cut extended it
        for (std::size_t c = 0; c < s.coordinators.size(); ++c)
          with_core(s, c, [&](Outbox& out) { s.core(c).treasury_up(s.now(), out); });
      });
    });
  }
}

void with_core(NetworkState& s, std::size_t c, const std::function<void(Outbox&)>& call,
               std::uint64_t calls) {
  if (s.stopped) return;
  SimCoordinator& k = s.coordinators[c];
  const std::int64_t cost = std::int64_t(calls) * s.scenario.coordinator_call_us;
  k.thread_free_us = std::max(k.thread_free_us, s.now() * 1000) + cost;
  k.busy_us += cost;
  k.calls += calls;
  if (k.uncommitted.empty() || k.uncommitted.back().done_us != k.thread_free_us)
    k.uncommitted.push_back({k.thread_free_us, {}});
  call(k.uncommitted.back().effects);
  if (!k.commit_queued) {
    k.commit_queued = true;
    s.queue.at(ms_after(k.thread_free_us), [&s, c] { commit_group(s, c); });
  }
}

std::size_t NetworkState::owner_of(const std::string& request_id) const {
  return coordinator::owner_in_pool(request_id, coordinator_keys);
}

bool NetworkState::coordinators_idle() const {
  for (const auto& c : coordinators)
    if (c.core->pending_penalties() > 0 || c.orders_in_flight) return false;
  return true;
}

}  // namespace seedgrid::sim
