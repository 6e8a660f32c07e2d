#pragma once
// What the coordinator core decided should happen, as values: the core appends effects to an
// Outbox, the actor commits the journal and then carries them out (coordinator_actor.cpp, one
// std::visit). Adding an effect is one struct here and one case in the actor's visitor.
//
// The actor carries out a batch grouped by kind in the order of the Effect variant below (answers
// to submits first, so a client hears "accepted" before its request's first events; treasury
// orders and stake checks last), each kind in the order the core emitted it.
#include <cstdint>
#include <string>
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

using Effect = std::variant<AnswerSubmit, SendJob, CancelJob, SendAudit, NotifyVerdict, TellClient,
                            PlaceOrder, CheckStake>;

struct Outbox {
  std::vector<Effect> effects;

  template <class E>
  void add(E effect) {
    effects.emplace_back(std::move(effect));
  }
  // The effects of one kind, in the order they were added (tests and logs).
  template <class E>
  std::vector<E> all() const {
    std::vector<E> out;
    for (const auto& e : effects)
      if (const E* one = std::get_if<E>(&e)) out.push_back(*one);
    return out;
  }
  // Appends `other`'s effects, leaving it empty.
  void take(Outbox& other);
  // Groups the effects by kind in the variant's order (stable within a kind): the order the
  // actor carries them out.
  void sort_for_delivery();
  bool empty() const { return effects.empty(); }
  void clear() { effects.clear(); }
};

}  // namespace seedgrid::coordinator
