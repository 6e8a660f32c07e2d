// The coordinator actor's client commands (submit, attach, cancel) and the clients that follow
// requests. Part of the actor, beside coordinator_actor.cpp (its messages) and
// effect_delivery.cpp (the group commit).
//
// A submit's signature is an Ed25519 verification, a third of the coordinator's own time on a
// one-job request. With messages waiting behind the submit it is verified on a result checker,
// and the submit is taken when the answer comes back; alone, it is verified here (handing it over
// and hearing back would be two thread wake-ups that a lone request waits for, with nothing to
// overlap). Until that answer, the commands for the same request id (a second submit, an attach,
// a cancel) wait in `held_for_check` and are taken after it in the order they came: taken at
// once, an attach or a cancel sent right after its submit would find no request.
#include "actors/coordinator/coordinator_actor_state.hpp"

#include <memory>
#include <utility>

#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::coordinator::actor_shell {

protocol::client_actor client_of(Self self) {
  return caf::actor_cast<protocol::client_actor>(self->current_sender());
}

void attach_client(Self self, const protocol::client_actor& client,
                   const std::string& request_id) {
  auto& s = self->state;
  if (!client) return;
  auto& list = s.clients[request_id];
  for (const auto& c : list)
    if (c.actor == client) return;
  list.push_back({client, {}, false, s.batch});
  auto [it, first] = s.monitored_clients.try_emplace(client.address());
  if (first) self->monitor(client);
  it->second.insert(request_id);
}

void forget_clients_of(CoordinatorState& s, const std::string& request_id) {
  auto it = s.clients.find(request_id);
  if (it == s.clients.end()) return;
  for (const auto& client : it->second)
    if (auto followed = s.monitored_clients.find(client.actor.address());
        followed != s.monitored_clients.end())
      followed->second.erase(request_id);
  s.clients.erase(it);
}

void take_submit(Self self, const protocol::client_actor& client,
                 const protocol::GenerateRequest& request, protocol::RequestSignature signature,
                 SubmitPromise promise) {
  auto& st = self->state;
  Outbox& out = pending_effects(self);
  auto answer = st.core->submit(request, st.now(), out, signature);
  if (!answer.reply.ok()) {
    st.log->info("refused request {} ({} {}): {}", request.request_id.substr(0, 64),
                 protocol::error_code_name(answer.reply.code),
                 static_cast<unsigned>(answer.reply.code), answer.reply.reason);
    flush(self);
    protocol::SubmitAck refused;
    refused.request_id = request.request_id;
    refused.outcome = answer.reply;
    promise.deliver(std::move(refused));
    return;
  }
  attach_client(self, client, request.request_id);
  if (answer.ack) {
    flush(self);
    promise.deliver(std::move(*answer.ack));
    return;
  }
  st.log->info("request {}: {} x {}x{} {} steps, model {}, payer {}", request.request_id,
               request.count, request.width, request.height, request.steps,
               request.model_id.substr(0, 12), request.payer.hex().substr(0, 12));
  st.waiting[request.request_id].push_back(std::move(promise));
  flush(self);
}

void take_attach(Self self, const protocol::client_actor& client,
                 const protocol::ClientCommand& command, const std::vector<std::uint32_t>& have,
                 SubmitPromise promise) {
  auto& st = self->state;
  Outbox& out = pending_effects(self);
  auto ack = st.core->attach(command, have, protocol::unix_now_ms(), out);
  if (!ack.outcome.ok()) {
    st.log->info("refused attach to {}: {}", command.request_id.substr(0, 64),
                 ack.outcome.reason);
    flush(self);
    promise.deliver(std::move(ack));
    return;
  }
  attach_client(self, client, command.request_id);
  st.answers_after_commit.push_back(
      [promise, ack = std::move(ack)]() mutable { promise.deliver(std::move(ack)); });
  flush(self);
}

void take_cancel(Self self, const protocol::ClientCommand& command,
                 caf::typed_response_promise<protocol::Reply> promise) {
  auto& st = self->state;
  Outbox& out = pending_effects(self);
  auto reply = st.core->cancel(command, st.now(), protocol::unix_now_ms(), out);
  if (!reply.ok()) {
    st.log->info("refused cancel of {}: {}", command.request_id.substr(0, 64), reply.reason);
    flush(self);
    promise.deliver(std::move(reply));
    return;
  }
  st.log->info("request {} cancelled by its payer", command.request_id);
  st.answers_after_commit.push_back(
      [promise, reply = std::move(reply)]() mutable { promise.deliver(std::move(reply)); });
  flush(self);
}

void take_submit_when_checked(Self self, const protocol::client_actor& client,
                              protocol::GenerateRequest request, SubmitPromise promise) {
  auto& st = self->state;
  if (auto held = st.held_for_check.find(request.request_id); held != st.held_for_check.end()) {
    held->second.push_back([self, client, request = std::move(request), promise]() mutable {
      take_submit(self, client, request, protocol::RequestSignature::unchecked, promise);
    });
    return;
  }
  if (self->mailbox().empty())
    return take_submit(self, client, request, protocol::RequestSignature::unchecked, promise);
  st.held_for_check.try_emplace(request.request_id);
  auto lent = std::make_shared<const protocol::GenerateRequest>(std::move(request));
  self->request(st.checkers.next(), caf::infinite, request_signature_atom::value, lent)
      .then([self, client, lent, promise](bool valid) mutable {
        // A request that failed the check is taken unchecked: the core verifies it again and
        // refuses it with its usual reason.
        take_submit(self, client, *lent,
                    valid ? protocol::RequestSignature::checked
                          : protocol::RequestSignature::unchecked,
                    promise);
        if (auto held = self->state.held_for_check.extract(lent->request_id); !held.empty())
          for (auto& command : held.mapped()) command();
      });
}

void take_after_check(Self self, const std::string& request_id, std::function<void()> command) {
  auto held = self->state.held_for_check.find(request_id);
  if (held == self->state.held_for_check.end()) return command();
  held->second.push_back(std::move(command));
}

}  // namespace seedgrid::coordinator::actor_shell
