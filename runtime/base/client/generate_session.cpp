#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/client/answer_timeouts.hpp"
#include "runtime/base/client/coordinator_protocol.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <condition_variable>
#include <mutex>
#include <set>

#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/client_interface.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/wire_number.hpp"

namespace seedgrid::client {

namespace {

// A request's client: the coordinator's events (client_interface.hpp), the coordinator's handle
// (in-process, or from the remote link; typed on arrival) and the user's wish to cancel.
using generate_session_actor = protocol::client_actor::extend_with<link::link_owner_actor>::extend<
    caf::reacts_to<protocol::cancel_atom>>;

}  // namespace

struct GenerateSession::Shared {
  std::mutex mutex;
  std::condition_variable done;
  std::optional<SessionOutcome> outcome;
  generate_session_actor actor;
  caf::actor link;  // to a remote coordinator

  void finish(SessionOutcome o) {
    std::lock_guard lock(mutex);
    if (!outcome) outcome = std::move(o);
    done.notify_all();
  }
};

namespace {

struct SessionState {
  protocol::GenerateRequest request;
  std::string coordinator_name;  // "the coordinator at host:port", for messages
  std::shared_ptr<const Identity> client;
  SessionCallbacks callbacks;
  std::shared_ptr<GenerateSession::Shared> shared;
  protocol::coordinator_actor coordinator;
  std::optional<protocol::SubmitAck> ack;
  // Following a request by its id alone (--resume): attach from the start, to this coordinator;
  // the request itself comes with the first acknowledgement.
  std::optional<PublicKey> resume_from;
  std::set<std::uint32_t> have;
  // The coordinator erased the request's prompt (a private request whose windows closed): it has
  // no image left to send, and a result claiming otherwise is not written under this request.
  bool prompt_erased = false;
  std::uint32_t duplicates = 0;
  bool cancel_wanted = false;
  bool cancel_sent = false;
  bool finished = false;
  static inline const char* name = "seedgrid.client";
};

using Self = generate_session_actor::stateful_pointer<SessionState>;

void send_cancel(Self self) {
  auto& s = self->state;
  if (!s.cancel_wanted || s.cancel_sent || !s.ack || !s.coordinator) return;
  s.cancel_sent = true;
  const auto command =
      protocol::make_client_command(protocol::ClientCommandKind::cancel, s.request.request_id,
                                    s.ack->coordinator, *s.client, protocol::unix_now_ms());
  self->request(s.coordinator, kCancelAnswerTimeout, protocol::cancel_atom::value, command)
      .then([](const protocol::Reply&) {},
            [self](caf::error&) { self->state.cancel_sent = false; });
}

void engage(Self self);

void refused(Self self, const protocol::SubmitAck& ack) {
  auto& s = self->state;
  s.finished = true;
  const SessionOutcome outcome{ack.outcome, ack, {}, 0};
  if (s.callbacks.on_finish) s.callbacks.on_finish(outcome);
  s.shared->finish(outcome);
  self->quit();
}

// The request an attach answered with, when this session knew only its id: it must be one this
// client signed, or a coordinator could make it write images under another request's name.
// A request whose prompt was erased no longer carries what its signature covers: its id and payer
// are all that can be checked, and nothing is written under it (prompt_erased).
protocol::Reply check_resumed_request(const SessionState& s, const protocol::SubmitAck& ack) {
  const auto& r = ack.request;
  if (r.request_id != s.request.request_id || r.payer != s.client->public_key() ||
      (!ack.prompt_erased && !protocol::request_signature_valid(r)))
    return protocol::refuse(protocol::ErrorCode::bad_signature,
                            "the coordinator answered the attach to '" + s.request.request_id +
                                "' with a request this key did not sign");
  return {};
}

void on_ack(Self self, protocol::SubmitAck ack) {
  auto& s = self->state;
  if (!ack.outcome.ok()) return refused(self, ack);
  const bool first = !s.ack;
  if (first && s.resume_from) {
    ack.outcome = check_resumed_request(s, ack);
    if (!ack.outcome.ok()) return refused(self, ack);
    s.request = ack.request;
  }
  s.ack = ack;
  s.prompt_erased = s.prompt_erased || ack.prompt_erased;
  if (first && s.callbacks.on_ack) s.callbacks.on_ack(ack);
  // The coordinator re-sends a private request's images to a fresh attach only (request.hpp).
  if (first && ack.resumed && !s.resume_from &&
      s.request.privacy == protocol::Privacy::private_images)
    engage(self);
  send_cancel(self);
}

// Ends the session before anything was sent that the coordinator could take: `why` as its answer.
void refused_before_submit(Self self, protocol::Reply why) {
  protocol::SubmitAck ack;
  ack.request_id = self->state.request.request_id;
  ack.outcome = std::move(why);
  refused(self, ack);
}

// Asks the coordinator's wire protocol before anything it would misread (coordinator_protocol.hpp),
// once per handle: a coordinator upgraded while the link was down comes back as a new one.
void ask_protocol_then_engage(Self self) {
  auto& s = self->state;
  const auto handle = caf::actor_cast<caf::actor>(s.coordinator);
  if (protocol_known_same(handle)) return engage(self);
  self->request(s.coordinator, kStatusAnswerTimeout, protocol::protocol_atom::value)
      .then(
          [self](std::uint32_t theirs) {
            auto& st = self->state;
            auto judged = judge_coordinator_protocol(st.coordinator_name, theirs);
            if (!judged.ok()) return refused_before_submit(self, std::move(judged));
            if (!st.coordinator) return;  // the link dropped meanwhile: asked again when back
            remember_protocol_same(caf::actor_cast<caf::actor>(st.coordinator));
            engage(self);
          },
          [self](caf::error& err) {
            auto& st = self->state;
            if (auto refusal = unanswered_protocol_question(st.coordinator_name, err))
              return refused_before_submit(self, std::move(*refusal));
            // A lost link asks again when it is back; a live one that was slow, at once.
            if (err == caf::sec::request_timeout && st.coordinator) ask_protocol_then_engage(self);
          });
}

// Submits (before the first acknowledgement) or re-attaches (after it).
void engage(Self self) {
  auto& s = self->state;
  auto failed = [self](caf::error& err) {
    // A lost coordinator: the link hands over a new handle when it is back, and that engages
    // again. A timeout on a live handle (a coordinator that restarted and dropped the request while
    // recovering) is asked again at once rather than left to wait for the link.
    if (err == caf::sec::request_timeout && self->state.coordinator) engage(self);
  };
  if (!s.ack && !s.resume_from) {
    self->request(s.coordinator, std::chrono::minutes(2), protocol::submit_atom::value, s.request)
        .then([self](const protocol::SubmitAck& ack) { on_ack(self, ack); }, failed);
    return;
  }
  // A fresh command each time (a new nonce and expiry): the coordinator takes each one once.
  const auto command = protocol::make_client_command(
      protocol::ClientCommandKind::attach, s.request.request_id,
      s.ack ? s.ack->coordinator : *s.resume_from, *s.client, protocol::unix_now_ms());
  const std::vector<std::uint32_t> have(s.have.begin(), s.have.end());
  self->request(s.coordinator, kAttachAnswerTimeout, protocol::attach_atom::value, command, have)
      .then([self](const protocol::SubmitAck& ack) { on_ack(self, ack); }, failed);
}

// One of the request's events, in the order the coordinator sent them. The completed event ends
// the session.
void on_event(Self self, const protocol::ClientEvent& e) {
  auto& st = self->state;
  if (e.request_id != st.request.request_id || st.finished) return;
  if (e.kind == protocol::EventKind::result && st.prompt_erased) return;
  if (e.kind == protocol::EventKind::result && !st.have.insert(e.index).second) {
    ++st.duplicates;
    return;
  }
  if (st.callbacks.on_event) st.callbacks.on_event(e);
  if (e.kind == protocol::EventKind::completed) {
    st.finished = true;
    const SessionOutcome outcome{protocol::Reply{}, st.ack.value_or(protocol::SubmitAck{}), e,
                                 st.duplicates};
    if (st.callbacks.on_finish) st.callbacks.on_finish(outcome);
    st.shared->finish(outcome);
    self->quit();
  }
}

generate_session_actor::behavior_type session(Self self, protocol::GenerateRequest request,
                                              std::string coordinator_name,
                                              std::optional<PublicKey> resume_from,
                                              std::shared_ptr<const Identity> client,
                                              SessionCallbacks callbacks,
                                              std::shared_ptr<GenerateSession::Shared> shared) {
  auto& s = self->state;
  s.request = std::move(request);
  s.coordinator_name = std::move(coordinator_name);
  s.resume_from = resume_from;
  s.client = std::move(client);
  s.callbacks = std::move(callbacks);
  s.shared = std::move(shared);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (st.coordinator && dm.source == st.coordinator.address()) {
      st.coordinator = nullptr;
      st.cancel_sent = false;
    }
  });
  return {
      [self](link::link_up_atom, const caf::actor& coordinator) {
        auto& st = self->state;
        // The boundary: the coordinator's handle, typed once.
        st.coordinator = caf::actor_cast<protocol::coordinator_actor>(coordinator);
        self->monitor(st.coordinator);
        ask_protocol_then_engage(self);
      },
      [self](protocol::event_atom, const protocol::ClientEvent& e) { on_event(self, e); },
      [self](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
        for (const auto& e : events)
          if (!self->state.finished) on_event(self, e);
      },
      [self](protocol::cancel_atom) {
        self->state.cancel_wanted = true;
        send_cancel(self);
      },
  };
}

}  // namespace

GenerateSession::GenerateSession(caf::actor_system& system, const caf::actor* coordinator,
                                 const config::Endpoint& endpoint,
                                 const config::NetworkSection& network,
                                 protocol::GenerateRequest request,
                                 std::shared_ptr<const Identity> client, SessionCallbacks callbacks)
    : shared_(std::make_shared<Shared>()) {
  // A number the wire cannot carry would never leave this process (inspect.hpp refuses it): the
  // request is refused here, at once, rather than waited on.
  if (auto ok = protocol::check_wire_numbers(request); !ok) {
    const SessionOutcome refused{
        protocol::refuse(protocol::ErrorCode::invalid_guidance, ok.error().message), {}, {}, 0};
    // On this thread: no actor will ever run for this session (the gateway's book waited for
    // this call in vain, then blamed the coordinator).
    if (callbacks.on_finish) callbacks.on_finish(refused);
    shared_->finish(refused);
    return;
  }
  start(system, coordinator, endpoint, network, std::move(request), std::nullopt, std::move(client),
        std::move(callbacks));
}

GenerateSession::GenerateSession(caf::actor_system& system, const caf::actor* coordinator,
                                 const config::Endpoint& endpoint,
                                 const config::NetworkSection& network, Resume resume,
                                 std::shared_ptr<const Identity> client, SessionCallbacks callbacks)
    : shared_(std::make_shared<Shared>()) {
  protocol::GenerateRequest known;
  known.request_id = std::move(resume.request_id);
  start(system, coordinator, endpoint, network, std::move(known), resume.coordinator,
        std::move(client), std::move(callbacks));
}

void GenerateSession::start(caf::actor_system& system, const caf::actor* coordinator,
                            const config::Endpoint& endpoint, const config::NetworkSection& network,
                            protocol::GenerateRequest request, std::optional<PublicKey> resume_from,
                            std::shared_ptr<const Identity> client, SessionCallbacks callbacks) {
  std::string name = coordinator != nullptr ? "the coordinator" : coordinator_at(endpoint);
  shared_->actor = system.spawn(session, std::move(request), std::move(name), resume_from,
                                std::move(client), std::move(callbacks), shared_);
  if (coordinator != nullptr) {
    caf::anon_send(shared_->actor, link::link_up_atom::value, *coordinator);
  } else {
    shared_->link = link::spawn_remote_link(system, caf::actor_cast<caf::actor>(shared_->actor),
                                            endpoint, network, "coordinator");
  }
}

GenerateSession::~GenerateSession() {
  if (shared_->link) caf::anon_send_exit(shared_->link, caf::exit_reason::user_shutdown);
  if (shared_->actor) caf::anon_send_exit(shared_->actor, caf::exit_reason::user_shutdown);
}

void GenerateSession::cancel() {
  if (shared_->actor) caf::anon_send(shared_->actor, protocol::cancel_atom::value);
}

std::optional<SessionOutcome> GenerateSession::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  shared_->done.wait_for(lock, timeout, [&] { return shared_->outcome.has_value(); });
  return shared_->outcome;
}

ClientSystem::ClientSystem(const config::NetworkSection& network,
                           std::shared_ptr<const Identity> identity)
    : config_(std::make_unique<caf::actor_system_config>()) {
  link::configure_actor_system(*config_, network, std::move(identity));
  system_ = std::make_unique<caf::actor_system>(*config_);
}

ClientSystem::~ClientSystem() = default;

Result<protocol::StatusReport> fetch_status(caf::actor_system& system,
                                            const config::Endpoint& endpoint,
                                            std::chrono::milliseconds timeout,
                                            const std::string& coordinator_key) {
  auto coordinator = connect_coordinator(system, endpoint, timeout, coordinator_key);
  if (!coordinator) return pass_on(coordinator);
  caf::scoped_actor self{system};
  Result<protocol::StatusReport> out = fail("no answer from the coordinator at ", endpoint.text());
  self->request(caf::actor_cast<protocol::coordinator_actor>(*coordinator), timeout,
                protocol::status_atom::value)
      .receive([&](const protocol::StatusReport& report) { out = report; },
               [&](caf::error& err) {
                 if (err == caf::sec::request_timeout)
                   out = fail("the coordinator at ", endpoint.text(), " did not answer within ",
                              timeout.count() / 1000, " s (is it overloaded or still starting?)");
                 else
                   out = fail("the coordinator at ", endpoint.text(),
                              " did not answer: ", system.render(err));
               });
  return out;
}

}  // namespace seedgrid::client
