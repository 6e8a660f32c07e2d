#pragma once
// What the coordinator core decided should happen, as values: the core appends effects to an
// Outbox, the actor commits the journal and then carries them out (effect_delivery.cpp, one
// overload per kind). Adding an effect is one struct here and one case in the actor's visitor.
//
// The actor carries out a batch grouped by kind in the order of the Effect variant below (answers
// to submits first, so a client hears "accepted" before its request's first events; treasury
// orders and stake checks last), each kind in the order the core emitted it.
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::coordinator {

// The answer to a submit that waited for its escrow hold.
struct AnswerSubmit {
  protocol::SubmitAck ack;
};
struct SendJob {
  PublicKey worker;
  protocol::Job job;
};
struct CancelJob {
  PublicKey worker;
  std::string job_id;
  std::uint32_t attempt = 0;
};
struct SendAudit {
  PublicKey validator;
  protocol::AuditTask task;
};
// A failed verdict, told to the audited worker (so it may appeal).
struct NotifyVerdict {
  PublicKey worker;
  protocol::Verdict verdict;
};
// To every client attached to event.request_id.
struct TellClient {
  protocol::ClientEvent event;
};
struct PlaceOrder {
  protocol::LedgerOrder order;
};
// Ask the treasury for this worker's bonded stake (stake_atom); the answer goes to on_stake.
struct CheckStake {
  PublicKey worker;
};
// Ask the treasury for the open holds this coordinator (its key's hex) ordered
// (open_holds_atom); the answer goes to on_open_holds, its absence to open_holds_unknown.
struct AskOpenHolds {
  std::string coordinator;
};

// The kinds of effect, in the order the actor carries out a commit's batch.
using Effect = std::variant<AnswerSubmit, SendJob, CancelJob, SendAudit, NotifyVerdict, TellClient,
                            PlaceOrder, CheckStake, AskOpenHolds>;

namespace detail {
template <class Kinds>
struct ListPerKind;
template <class... Kinds>
struct ListPerKind<std::variant<Kinds...>> {
  using type = std::tuple<std::vector<Kinds>...>;
};
}  // namespace detail

// A list per kind rather than one list of variants: a commit gathers thousands of effects, and a
// variant is as large as its largest kind (1,200 bytes against a job's 384); kept apart, they
// need no regrouping before delivery either (bench/RESULTS.md, session 29).
class Outbox {
 public:
  template <class E>
  void add(E effect) {
    list<E>().push_back(std::move(effect));
  }
  // The effects of one kind, in the order they were added.
  template <class E>
  std::vector<E>& list() {
    return std::get<std::vector<E>>(lists_);
  }
  template <class E>
  const std::vector<E>& list() const {
    return std::get<std::vector<E>>(lists_);
  }
  // Calls `f` on every effect of `outboxes`, kind by kind in the Effect variant's order, each
  // kind in the order of the outboxes and, within one, as added: the order of delivery. The
  // actor's handlers add to one outbox per commit; the simulator keeps one per call it groups.
  template <class F>
  static void for_each_effect(std::span<Outbox> outboxes, F&& f) {
    auto kind = [&]<class E>(std::type_identity<E>) {
      for (Outbox& o : outboxes)
        for (E& effect : o.list<E>()) f(effect);
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (kind(std::type_identity<std::variant_alternative_t<I, Effect>>{}), ...);
    }
    (std::make_index_sequence<std::variant_size_v<Effect>>{});
  }
  bool empty() const;
  std::size_t size() const;
  void clear();                    // keeps the lists' room
  std::size_t room_bytes() const;  // what the lists have room for

 private:
  detail::ListPerKind<Effect>::type lists_;
};

}  // namespace seedgrid::coordinator
