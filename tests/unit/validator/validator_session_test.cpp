// The validator actor across a change of coordinator: an audit handed out by a coordinator that
// went away is never judged for the next one. Two stand-in coordinators (registration by the real
// Registrar, openings held or refused on command) in one process, the tiny model.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <mutex>
#include <thread>

#include "actors/coordinator/registrar.hpp"
#include "actors/rendering/renderer.hpp"
#include "actors/validator/validator_actor.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"
#include "tests/unit/validator/tiny_model.hpp"

namespace seedgrid::validator {
namespace {

using give_atom = caf::atom_constant<caf::atom("give")>;      // test -> stand-in: send an audit
using vanish_atom = caf::atom_constant<caf::atom("vanish")>;  // test -> stand-in: go down
using speak_atom = caf::atom_constant<caf::atom("speak")>;    // test -> stand-in: its wire protocol

// What a stand-in coordinator saw, read by the test thread.
struct Seen {
  std::mutex mutex;
  int hellos = 0;
  int registrations = 0;
  int opening_requests = 0;
  std::vector<protocol::Verdict> verdicts;
};

struct StandInState {
  std::shared_ptr<Seen> seen;
  std::unique_ptr<coordinator::Registrar> registrar;
  std::vector<caf::response_promise> held;  // opening requests left unanswered
  caf::actor validator;
  std::uint32_t speaks = protocol::kProtocol;  // the protocol its challenges name
};

// hold_openings: opening requests wait (an audit stays in flight until the stand-in goes down);
// otherwise they are refused at once (the audit fails for "no opening", quickly).
caf::behavior stand_in(caf::stateful_actor<StandInState>* self, const Identity* key,
                       std::shared_ptr<Seen> seen, bool hold_openings) {
  self->state.seen = std::move(seen);
  self->state.registrar = std::make_unique<coordinator::Registrar>(*key, 60'000);
  return {
      [self](protocol::hello_atom, const std::string&) {
        {
          std::lock_guard lock(self->state.seen->mutex);
          ++self->state.seen->hellos;
        }
        protocol::Challenge challenge = self->state.registrar->issue(0);
        challenge.protocol = self->state.speaks;
        return challenge;
      },
      [self](speak_atom, std::uint32_t protocol) { self->state.speaks = protocol; },
      [self, key](protocol::register_atom, const protocol::Registration& reg) {
        protocol::RegistrationAck ack;
        ack.outcome = self->state.registrar->verify(reg, 0);
        ack.coordinator = key->public_key();
        self->state.validator = caf::actor_cast<caf::actor>(self->current_sender());
        std::lock_guard lock(self->state.seen->mutex);
        ++self->state.seen->registrations;
        return ack;
      },
      [self, hold_openings](protocol::open_atom,
                            const protocol::OpeningRequest& req) -> caf::result<protocol::Opening> {
        {
          std::lock_guard lock(self->state.seen->mutex);
          ++self->state.seen->opening_requests;
        }
        if (hold_openings) {
          self->state.held.push_back(self->make_response_promise());
          return caf::delegated<protocol::Opening>();
        }
        protocol::Opening refused;
        refused.audit_id = req.audit_id;
        refused.error = "withheld by the test";
        return refused;
      },
      [self](protocol::verdict_atom, const protocol::Verdict& v) {
        std::lock_guard lock(self->state.seen->mutex);
        self->state.seen->verdicts.push_back(v);
        return protocol::Reply{};
      },
      [self](give_atom, const protocol::AuditTask& task) {
        self->send(self->state.validator, protocol::audit_atom::value, task);
      },
      // As a coordinator going down mid-audit looks to the validator: its opening request fails.
      [self](vanish_atom) {
        for (auto& promise : self->state.held)
          promise.deliver(caf::make_error(caf::sec::request_receiver_down));
        self->state.held.clear();
        self->quit();
      },
  };
}

// Stops the actors it holds when the test ends, also on a failed assertion, so the actor system's
// destructor does not wait for them forever.
struct StopOnExit {
  std::vector<caf::actor> actors;
  ~StopOnExit() {
    for (const auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

template <class Predicate>
bool wait_for(Seen& seen, Predicate done, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lock(seen.mutex);
      if (done(seen)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ValidatorSession : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_id_ = testing::tiny_model().model_id;
    renderer_ = testing::tiny_renderer();
  }
  static void TearDownTestSuite() { renderer_.reset(); }

  // A step audit of job r/<index>: the validator must fetch openings before it can judge.
  static protocol::AuditTask task(std::uint32_t index, std::uint64_t assignment) {
    protocol::AuditTask t;
    t.job.request_id = "r";
    t.job.index = index;
    t.job.job_id = "r/" + std::to_string(index);
    t.job.attempt = 1;
    t.job.spec.model_id = model_id_;
    t.job.spec.prompt = "a lighthouse";
    t.job.spec.seed = 42 + index;
    t.job.spec.steps = 8;
    t.job.spec.guidance = 5.0f;
    t.job.spec.sampler = "euler";
    t.job.spec.width = 64;
    t.job.spec.height = 64;
    t.audit_id = protocol::audit_id_of(t.job.job_id, t.job.attempt);
    t.worker = Identity::from_seed({21}).public_key();
    t.claimed_pixels.assign(64 * 64 * 3, 7);
    t.claimed_output_hash = protocol::output_hash_of(t.claimed_pixels);
    t.has_commitment = true;
    t.commitment.leaf_count = 9;
    t.audits = {{protocol::AuditKind::step, 3}};
    t.assignment = assignment;
    return t;
  }

  static inline std::string model_id_;
  static inline std::shared_ptr<const rendering::Renderer> renderer_;
};

// The coordinator goes down while the validator waits for an audit's openings, after the validator
// registered with its successor: the failed opening must not turn into a verdict (a false "no
// opening" accusation) sent to the successor, which never handed that audit out.
TEST_F(ValidatorSession, AnAuditOfALostCoordinatorIsNeverJudgedForTheNextOne) {
  const Identity coordinator_key = Identity::from_seed({10});  // outlives the actors using it
  caf::actor_system_config cfg;
  protocol::add_message_types(cfg);
  caf::actor_system sys(cfg);
  auto old_seen = std::make_shared<Seen>(), new_seen = std::make_shared<Seen>();
  StopOnExit stop;
  auto old_coordinator = sys.spawn(stand_in, &coordinator_key, old_seen, /*hold_openings=*/true);
  stop.actors.push_back(old_coordinator);
  ValidatorSetup setup;
  setup.identity = std::make_shared<const Identity>(Identity::from_seed({31}));
  setup.renderer = renderer_;
  setup.name = "v";
  const auto old_typed = caf::actor_cast<protocol::coordinator_actor>(old_coordinator);
  // Dynamically typed here: the link's hand-over message is not part of the validator's interface.
  const auto validator = caf::actor_cast<caf::actor>(spawn_validator(sys, setup, &old_typed));
  stop.actors.push_back(validator);
  ASSERT_TRUE(wait_for(*old_seen, [](Seen& s) { return s.registrations == 1; }));
  caf::anon_send(old_coordinator, give_atom::value, task(0, 1));
  ASSERT_TRUE(wait_for(*old_seen, [](Seen& s) { return s.opening_requests == 1; }))
      << "the audit is in flight, waiting for its openings";
  // The link hands over a new coordinator; the old one goes down afterwards.
  auto new_coordinator = sys.spawn(stand_in, &coordinator_key, new_seen, /*hold_openings=*/false);
  stop.actors.push_back(new_coordinator);
  caf::anon_send(validator, link::link_up_atom::value, new_coordinator);
  ASSERT_TRUE(wait_for(*new_seen, [](Seen& s) { return s.registrations == 1; }));
  caf::anon_send(old_coordinator, vanish_atom::value);
  // The validator audits one at a time: once the new coordinator's audit is judged, a verdict on
  // the old one would have been sent before it.
  caf::anon_send(new_coordinator, give_atom::value, task(1, 2));
  ASSERT_TRUE(wait_for(*new_seen, [](Seen& s) { return !s.verdicts.empty(); }));
  {
    std::lock_guard lock(new_seen->mutex);
    ASSERT_EQ(new_seen->verdicts.size(), 1u) << "first verdict: " << new_seen->verdicts[0].audit_id;
    const auto& v = new_seen->verdicts[0];
    EXPECT_EQ(v.audit_id, "r/1#1");
    EXPECT_EQ(v.assignment, 2u) << "a verdict names the hand-out it answers";
    EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail) << "its openings were withheld";
    EXPECT_TRUE(protocol::verdict_signature_valid(v));
  }
  {
    std::lock_guard lock(old_seen->mutex);
    EXPECT_TRUE(old_seen->verdicts.empty());
  }
}

// A coordinator of another wire protocol would misread a registration: the node checks the
// protocol its challenge names before anything else, registers nothing, and asks again with its
// back-off, so a coordinator upgraded to its protocol is found without a restart.
TEST_F(ValidatorSession, ANodeRegistersWithNoCoordinatorOfAnotherProtocolAndFindsItOnceUpgraded) {
  const Identity coordinator_key = Identity::from_seed({10});
  caf::actor_system_config cfg;
  protocol::add_message_types(cfg);
  caf::actor_system sys(cfg);
  auto seen = std::make_shared<Seen>();
  StopOnExit stop;
  auto coordinator = sys.spawn(stand_in, &coordinator_key, seen, /*hold_openings=*/false);
  stop.actors.push_back(coordinator);
  caf::anon_send(coordinator, speak_atom::value, protocol::kProtocol + 1);
  ValidatorSetup setup;
  setup.identity = std::make_shared<const Identity>(Identity::from_seed({31}));
  setup.renderer = renderer_;
  setup.name = "v";
  setup.network.reconnect_initial_ms = 20;
  setup.network.reconnect_max_ms = 100;
  const auto typed = caf::actor_cast<protocol::coordinator_actor>(coordinator);
  stop.actors.push_back(caf::actor_cast<caf::actor>(spawn_validator(sys, setup, &typed)));
  ASSERT_TRUE(wait_for(*seen, [](Seen& s) { return s.hellos >= 3; }))
      << "the node stopped asking a coordinator of another protocol";
  {
    std::lock_guard lock(seen->mutex);
    EXPECT_EQ(seen->registrations, 0)
        << "a registration reached a coordinator that would misread it";
  }
  caf::anon_send(coordinator, speak_atom::value, protocol::kProtocol);  // upgraded
  ASSERT_TRUE(wait_for(*seen, [](Seen& s) { return s.registrations == 1; }))
      << "the node did not register once the coordinator spoke its protocol";
}

}  // namespace
}  // namespace seedgrid::validator
