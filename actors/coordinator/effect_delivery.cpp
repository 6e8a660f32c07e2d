#include "actors/coordinator/coordinator_actor_state.hpp"

#include <deque>
#include <map>
#include <vector>

#include "actors/coordinator/journal.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::coordinator::actor_shell {

std::string who(Self self, const PublicKey& key) {
  if (const NodeEntry* n = self->state.core->nodes().find(key)) return n->label();
  return key.hex().substr(0, 16);
}

namespace {

// A commit's items for one receiver: alone as `One`, several as one `Many` message.
template <class One, class Many, class Handle, class Item>
void send_together(Self self, const Handle& to, std::vector<Item>& items) {
  if (items.size() == 1)
    self->send(to, One::value, std::move(items.front()));
  else if (!items.empty())
    self->send(to, Many::value, std::move(items));
  items.clear();
}

// The orders of one commit, in one message: the treasury applies them in one group commit and
// answers them together (a message per order cost more than the order).
void send_orders(Self self, std::vector<protocol::LedgerOrder> orders) {
  auto& s = self->state;
  if (orders.empty()) return;
  if (!s.treasury) {
    for (const auto& order : orders) s.core->on_order_lost(order, s.now());
    return;
  }
  auto sent = std::make_shared<const std::vector<protocol::LedgerOrder>>(std::move(orders));
  self->request(s.treasury, kOrderAnswerTimeout, protocol::ledger_atom::value, *sent)
      .then(
          [self, sent](const std::vector<protocol::LedgerReceipt>& receipts) {
            auto& st = self->state;
            Outbox& out = pending_effects(self);
            for (std::size_t i = 0; i < sent->size(); ++i) {
              const auto& order = (*sent)[i];
              if (i >= receipts.size()) {  // never from our treasury: re-sent like a lost one
                st.log->warn("treasury answered {} of {} orders; will retry {}", receipts.size(),
                             sent->size(), order.key);
                st.core->on_order_lost(order, st.now());
                continue;
              }
              if (!receipts[i].ok)
                st.log->warn("treasury refused {} {}: {}",
                             protocol::ledger_order_kind_name(order.kind), order.key,
                             receipts[i].error);
              st.core->on_receipt(order, receipts[i], st.now(), out);
            }
            flush(self);
          },
          [self, sent](caf::error& err) {
            auto& st = self->state;
            st.log->warn("treasury did not answer {} order(s) ({}); will retry", sent->size(),
                         self->system().render(err));
            for (const auto& order : *sent) st.core->on_order_lost(order, st.now());
          });
}

// Asks the treasury for a worker's bonded stake (the fast tier's minimum). No treasury, or no
// answer: the worker keeps what it has, and the core asks again at its next refresh.
void check_stake(Self self, const PublicKey& worker) {
  auto& s = self->state;
  if (!s.treasury) return;
  self->request(s.treasury, kStakeAnswerTimeout, protocol::stake_atom::value,
                worker_account(worker))
      .then(
          [self, worker](const protocol::StakeReply& stake) {
            auto& st = self->state;
            const NodeEntry* n = st.core->nodes().find(worker);
            const bool was = n != nullptr && n->fast_allowed;
            Outbox& out = pending_effects(self);
            st.core->on_stake(worker, stake, st.now(), out);
            if (!stake.ok)
              st.log->warn("stake of worker {} unknown: {}", who(self, worker), stake.error);
            else if (was != stake.serves_fast)
              st.log->info("worker {} {} the fast tier (bonded {})", who(self, worker),
                           stake.serves_fast ? "now serves" : "no longer serves", stake.bonded);
            flush(self);
          },
          [self, worker](caf::error& err) {
            auto& st = self->state;
            st.log->warn(
                "stake of worker {} unknown: the treasury did not answer ({}); asked "
                "again at the next refresh",
                who(self, worker), self->system().render(err));
            st.core->stake_unknown(worker, st.now());
          });
}

// Asks the treasury for the open holds this coordinator ordered (hold_sweep.cpp).
void ask_open_holds(Self self, const std::string& coordinator) {
  auto& s = self->state;
  if (!s.treasury) {
    s.core->open_holds_unknown(s.now());
    return;
  }
  self->request(s.treasury, kOrderAnswerTimeout, protocol::open_holds_atom::value, coordinator)
      .then(
          [self](const protocol::OpenHoldsReply& reply) {
            auto& st = self->state;
            if (!reply.ok)
              st.log->warn("the treasury could not list this coordinator's open holds: {}",
                           reply.error);
            else if (!reply.holds.empty())
              st.log->info("the treasury holds {} open hold(s) this coordinator ordered",
                           reply.holds.size());
            Outbox& out = pending_effects(self);
            st.core->on_open_holds(reply, st.now(), out);
            flush(self);
          },
          [self](caf::error& err) {
            auto& st = self->state;
            st.log->warn(
                "the treasury did not list this coordinator's open holds ({}); asking "
                "again in a few seconds",
                self->system().render(err));
            st.core->open_holds_unknown(st.now());
          });
}

}  // namespace

Outbox& pending_effects(Self self) { return self->state.pending; }

void flush(Self self) {
  auto& s = self->state;
  if (!s.commit_scheduled) {
    s.commit_scheduled = true;
    self->send(self, commit_atom::value);
  }
}

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Each worker's jobs in one message (so they can share a render batch), sent when the commit
// message comes round, without waiting for any commit: a job on a worker is not something a
// restart resumes (its assignment is not journaled, and recovery re-queues every job that was on
// a worker), and its result is journaled behind the writes that assigned it (one queue, commits in
// order), so the worker renders while the journal syncs instead of after.
void send_jobs(Self self, Outbox& batch) {
  auto& s = self->state;
  std::map<protocol::worker_actor, std::vector<protocol::Job>> jobs;
  for (SendJob& j : batch.list<SendJob>())
    if (auto it = s.node_actors.find(j.worker); it != s.node_actors.end() && it->second.worker)
      jobs[it->second.worker].push_back(std::move(j.job));
  batch.list<SendJob>().clear();
  for (auto& [worker, list] : jobs)
    send_together<protocol::job_atom, protocol::jobs_atom>(self, worker, list);
}

// Hold orders go with the jobs, as the commit that journals their requests starts, so the
// treasury places a hold while the journal syncs its request. The job still waits for the
// receipt: nobody renders for an unfunded payer. A crash before the commit leaves a hold no
// journal knows, which the next start releases (hold_sweep.cpp). Every other order waits for
// the commit, since each stands for a change the journal must hold first.
void send_holds(Self self, Outbox& batch) {
  auto& orders = batch.list<PlaceOrder>();
  const auto is_hold = [](const PlaceOrder& o) {
    return o.order.kind == protocol::LedgerOrderKind::hold;
  };
  std::vector<protocol::LedgerOrder> holds;
  for (PlaceOrder& o : orders)
    if (is_hold(o)) holds.push_back(std::move(o.order));  // its kind stays: erased below
  if (holds.empty()) return;
  std::erase_if(orders, is_hold);
  send_orders(self, std::move(holds));
}

// A small batch with no message waiting behind it commits on this thread. Handing a commit to the
// journal's writer and hearing back costs two thread wake-ups (15-100 us each on the machines
// measured), and a lone request waits for them at each of its commits; with nothing else to
// handle, this thread has nothing to overlap the commit with. A busy coordinator's batches (a
// message waiting, or many effects) still go to the writer, so the next batch gathers while it
// syncs.
constexpr std::size_t kEffectsCommittedHere = 16;

bool commit_here(Self self, const Outbox& batch) {
  return self->mailbox().empty() && batch.size() <= kEffectsCommittedHere &&
         !Journal::commits_held_for_fault_tests();
}

}  // namespace

void commit_and_send(Self self) {
  auto& s = self->state;
  s.commit_scheduled = false;
  if (s.in_flight) {
    send_jobs(self, s.pending);  // they need not wait for a commit (above)
    send_holds(self, s.pending);
    s.commit_waiting = true;
    return;
  }
  auto& flight = s.in_flight.emplace();
  flight.batch = s.batch++;
  flight.effects = std::exchange(s.pending, std::move(s.spare));
  flight.answers = std::exchange(s.answers_after_commit, {});
  send_jobs(self, flight.effects);
  send_holds(self, flight.effects);
  if (commit_here(self, flight.effects)) {
    const Result<void> r = s.core->commit();
    committed(self, r.has_value(), r ? std::string() : r.error().message);
    return;
  }
  // The journal's writer runs the commit while this thread goes on with the next messages; its
  // answer comes as a message, so the effects go out on this thread, in commit order.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  s.core->commit_in_background([weak](Result<void> r) {
    if (auto to = caf::actor_cast<coordinator_self_actor>(weak.lock()))
      caf::anon_send(to, committed_atom::value, r.has_value(),
                     r ? std::string() : r.error().message);
  });
}

namespace {
constexpr std::size_t kSpareRoomBytes = 64 << 20;
}  // namespace

void committed(Self self, bool durable, const std::string& failure) {
  auto& s = self->state;
  if (!s.in_flight) return;
  CoordinatorState::CommitInFlight flight = std::move(*s.in_flight);
  s.in_flight.reset();
  if (!durable) {
    s.log->critical("journal write failed, stopping so a restart resumes from the journal: {}",
                    failure);
    self->quit(caf::exit_reason::user_shutdown);
    return;
  }
  Outbox& batch = flight.effects;
  for (auto& answer : flight.answers) answer();
  auto node = [&](const PublicKey& k) -> const NodeHandle* {
    auto it = s.node_actors.find(k);
    return it == s.node_actors.end() ? nullptr : &it->second;
  };
  std::vector<protocol::LedgerOrder> orders;
  // Each client's events of this commit, in order, sent together after the loop. Gathered as
  // places in the outboxes (alive until the end) and moved once into a list of the right size: a
  // result event is ~1 KiB besides its pixels, and a growing list moved each one again.
  std::map<protocol::client_actor, std::vector<protocol::ClientEvent*>> events;
  std::deque<protocol::ClientEvent> copies;  // for a request's other clients (rarely any)
  std::vector<protocol::client_actor*> to;   // one event's clients
  const auto apply = Overloaded{
      [&](AnswerSubmit& a) {
        auto it = s.waiting.find(a.ack.request_id);
        if (it == s.waiting.end()) return;
        for (auto& promise : it->second) promise.deliver(a.ack);
        s.waiting.erase(it);
        if (!a.ack.outcome.ok()) forget_clients_of(s, a.ack.request_id);
      },
      [&](SendJob&) {},  // sent before the commit (send_jobs)
      [&](CancelJob& c) {
        if (const NodeHandle* n = node(c.worker); n && n->worker)
          self->send(n->worker, protocol::cancel_atom::value, c.job_id, c.attempt);
      },
      [&](SendAudit& a) {
        if (const NodeHandle* n = node(a.validator); n && n->validator)
          self->send(n->validator, protocol::audit_atom::value, std::move(a.task));
      },
      [&](NotifyVerdict& n) {
        if (const NodeHandle* h = node(n.worker); h && h->worker)
          self->send(h->worker, protocol::verdict_atom::value, std::move(n.verdict));
      },
      [&](TellClient& t) {
        auto& e = t.event;
        if (e.kind == protocol::EventKind::completed)
          s.log->info(
              "request {} completed: {} delivered, {} failed, {} cancelled, charged {}, "
              "refunded {}",
              e.request_id, e.delivered, e.failed, e.cancelled, e.total_charged, e.refunded);
        else if (e.kind == protocol::EventKind::retry || e.kind == protocol::EventKind::failed)
          s.log->info("{}", protocol::describe(e));
        auto it = s.clients.find(e.request_id);
        if (it == s.clients.end()) return;
        const bool completed = e.kind == protocol::EventKind::completed;
        if (completed) s.completed_clients.emplace_back(s.now(), e.request_id);
        // A result event carries its image and commitment: the last client takes it, the others
        // (rarely any) a copy.
        to.clear();
        for (auto& client : it->second) {
          if (client.first_batch > flight.batch) continue;  // attached after this batch
          if (e.kind == protocol::EventKind::result && !client.results_sent.insert(e.index).second)
            continue;
          if (completed && std::exchange(client.completed_sent, true)) continue;
          to.push_back(&client.actor);
        }
        for (std::size_t i = 0; i + 1 < to.size(); ++i)
          events[*to[i]].push_back(&copies.emplace_back(e));
        if (!to.empty()) events[*to.back()].push_back(&e);
      },
      [&](PlaceOrder& o) { orders.push_back(std::move(o.order)); },
      [&](CheckStake& c) { check_stake(self, c.worker); },
      [&](AskOpenHolds& a) { ask_open_holds(self, a.coordinator); },
  };
  // Answers to submits first: a client hears "accepted" before its request's first events
  // (effects.hpp: the variant's order is the order of delivery).
  Outbox::for_each_effect(std::span<Outbox>(&batch, 1), apply);
  for (const auto& [client, places] : events) {
    std::vector<protocol::ClientEvent> list;
    list.reserve(places.size());
    for (protocol::ClientEvent* e : places) list.push_back(std::move(*e));
    send_together<protocol::event_atom, protocol::events_atom>(self, client, list);
  }
  send_orders(self, std::move(orders));
  // Kept for the batch after next unless a very large batch made it large (then let go).
  batch.clear();
  if (batch.room_bytes() <= kSpareRoomBytes) s.spare = std::move(batch);
  if (std::exchange(s.commit_waiting, false)) commit_and_send(self);
}

}  // namespace seedgrid::coordinator::actor_shell
