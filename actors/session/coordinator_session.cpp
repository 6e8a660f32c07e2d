#include "actors/session/coordinator_session.hpp"

#include <spdlog/spdlog.h>

#include "actors/session/answer_timeouts.hpp"
#include "actors/validator/validator_self.hpp"
#include "actors/worker/worker_self.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::session {

template <class Owner>
CoordinatorSession<Owner>::CoordinatorSession(protocol::Role role, const Identity& identity,
                                              std::string name, protocol::Capabilities capabilities,
                                              std::string pinned_coordinator,
                                              const config::NetworkSection& network,
                                              std::shared_ptr<spdlog::logger> log)
    : role_(role),
      identity_(identity),
      name_(std::move(name)),
      capabilities_(std::move(capabilities)),
      pinned_(std::move(pinned_coordinator)),
      backoff_(network.reconnect_initial_ms, network.reconnect_max_ms),
      log_(std::move(log)) {}

template <class Owner>
void CoordinatorSession<Owner>::connect(Self self, protocol::coordinator_actor coordinator,
                                        std::function<void()> on_registered) {
  coordinator_ = std::move(coordinator);
  registered_ = false;
  ++generation_;
  on_registered_ = std::move(on_registered);
  backoff_.reset();
  self->monitor(coordinator_);
  register_now(self);
}

template <class Owner>
bool CoordinatorSession<Owner>::lost(const caf::down_msg& dm) {
  if (!coordinator_ || dm.source != coordinator_.address()) return false;
  log_->warn("lost the coordinator ({}); waiting for it to come back", caf::to_string(dm.reason));
  coordinator_ = nullptr;
  registered_ = false;
  ++generation_;
  return true;
}

template <class Owner>
bool CoordinatorSession<Owner>::from_coordinator(Self self) const {
  return coordinator_ && self->current_sender() &&
         caf::actor_cast<caf::actor_addr>(self->current_sender()) == coordinator_.address();
}

template <class Owner>
void CoordinatorSession<Owner>::retry(Self self, std::uint64_t generation) {
  if (generation == generation_ && coordinator_ && !registered_) register_now(self);
}

template <class Owner>
void CoordinatorSession<Owner>::retry_later(Self self) {
  self->delayed_send(self, std::chrono::milliseconds(backoff_.next()), retry_register_atom::value,
                     generation_);
}

template <class Owner>
void CoordinatorSession<Owner>::register_now(Self self) {
  const std::uint64_t generation = generation_;
  const std::string role(protocol::role_name(role_));
  self->request(coordinator_, kHelloAnswerTimeout, protocol::hello_atom::value, role)
      .then(
          [this, self, generation](const protocol::Challenge& challenge) {
            if (generation != generation_) return;
            // Checked before anything else of the challenge: a coordinator of another protocol
            // would misread the registration. Retried, so an upgraded coordinator is found.
            if (auto same = protocol::check_protocol("the coordinator", challenge.protocol);
                !same.ok()) {
              log_->error("not registering: {}", same.reason);
              retry_later(self);
              return;
            }
            if (!protocol::challenge_signature_valid(challenge)) {
              log_->error("the coordinator's challenge is not signed by its key; retrying");
              retry_later(self);
              return;
            }
            if (!pinned_.empty() && challenge.coordinator.hex() != pinned_) {
              log_->error("the coordinator is {} but the config pins {}; not registering",
                          challenge.coordinator.hex(), pinned_);
              retry_later(self);
              return;
            }
            const auto reg =
                protocol::make_registration(role_, name_, capabilities_, challenge, identity_);
            self->request(coordinator_, kRegisterAnswerTimeout, protocol::register_atom::value,
                          reg)
                .then(
                    [this, self, generation](const protocol::RegistrationAck& ack) {
                      if (generation != generation_) return;
                      if (!ack.outcome.ok()) {
                        log_->warn("registration refused ({} {}): {}",
                                   protocol::error_code_name(ack.outcome.code),
                                   static_cast<unsigned>(ack.outcome.code), ack.outcome.reason);
                        retry_later(self);
                        return;
                      }
                      registered_ = true;
                      fast_tier_ = ack.fast_tier;
                      backoff_.reset();
                      log_->info("registered with coordinator {} as {} {}{}{}",
                                 ack.coordinator.hex().substr(0, 16), protocol::role_name(role_),
                                 identity_.node_id().substr(0, 16),
                                 ack.fast_tier ? " (fast tier)" : "",
                                 ack.note.empty() ? "" : "; " + ack.note);
                      if (on_registered_) on_registered_();
                    },
                    [this, self, generation](caf::error& err) {
                      if (generation != generation_) return;
                      log_->warn("registration failed: {}", self->system().render(err));
                      retry_later(self);
                    });
          },
          [this, self, generation](caf::error& err) {
            if (generation != generation_) return;
            log_->warn("the coordinator did not answer hello: {}", self->system().render(err));
            retry_later(self);
          });
}

template class CoordinatorSession<worker::worker_self_actor>;
template class CoordinatorSession<validator::validator_self_actor>;

}  // namespace seedgrid::session
