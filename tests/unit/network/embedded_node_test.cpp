// A whole network in one process (what `seedgrid sim` runs): the roles as actors of one node,
// talking the protocol in-process.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "actors/coordinator/image_log.hpp"
#include "actors/treasury/ledger.hpp"
#include "models/presets/write_preset.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/node/node.hpp"
#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::node {
namespace {

namespace fs = std::filesystem;

bool validator_connected(const protocol::StatusReport& report) {
  for (const auto& n : report.nodes)
    if (n.role == protocol::Role::validator && n.connected) return true;
  return false;
}

// Asks the coordinator for its status until a connected validator is listed, up to 60 s.
bool wait_for_validator(caf::actor_system& system, const protocol::coordinator_actor& coordinator) {
  caf::scoped_actor self{system};
  for (int attempt = 0; attempt < 600; ++attempt) {
    bool found = false;
    self->request(coordinator, std::chrono::seconds(5), protocol::status_atom::value)
        .receive([&](const protocol::StatusReport& report) { found = validator_connected(report); },
                 [&](const caf::error&) {});
    if (found) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A tiny model, a funded client and a node plan with the coordinator, treasury and worker in one
// process, in a fresh folder removed at the end.
struct EmbeddedNetwork {
  seedgrid::test::TestDir dir;
  std::optional<PresetWriteReport> model;
  std::optional<Identity> client;
  NodePlan plan;

  EmbeddedNetwork() {
    (void)logging::configure("warn", "");
    PresetWriteOptions options;
    options.preset = "tiny";
    options.out_dir = dir / "tiny";
    auto written = write_preset(options);
    if (!written) ADD_FAILURE() << written.error().message;
    if (!written) return;
    model = *written;
    client = *Identity::load_or_create(dir / "client.key");
    const Identity treasury_key = *Identity::load_or_create(dir / "node.key");
    treasury::TreasuryConfig economics;
    economics.min_stake_fast = 0;
    fs::create_directories(dir / "data");
    {
      auto ledger = treasury::Ledger::open(dir / "data/ledger.sqlite", treasury_key, economics);
      if (!ledger) ADD_FAILURE() << ledger.error().message;
      if (!ledger) return;
      EXPECT_TRUE(ledger->apply(
          treasury::Deposit{"d", 1, "user:" + client->node_id(), 50 * treasury::kMicrosPerUnit}));
    }
    plan.configure_logging = false;
    auto& c = plan.config;
    c.roles = {"coordinator", "treasury", "worker"};
    c.node.key_file = dir / "node.key";
    c.node.data_dir = dir / "data";
    c.coordinator.emplace();
    c.coordinator->listen = {"127.0.0.1", 0};
    // By path: the coordinator reads the model's id and size limits from the checkpoint.
    c.coordinator->models.push_back({"", model->checkpoint_path, "tiny", "", 43'200});
    c.treasury.emplace();
    c.treasury->database = dir / "data/ledger.sqlite";
    c.treasury->economics = {{"min_stake_fast", 0}};
    c.worker.emplace();
    c.worker->rendering.models.push_back({model->checkpoint_path, ""});
    c.worker->rendering.threads = 1;
  }

  protocol::GenerateRequest request(const std::string& id, std::uint32_t steps, std::uint32_t side,
                                    std::uint32_t count) const {
    protocol::GenerateRequest r;
    r.request_id = id;
    r.model_id = model->model_id;
    r.prompt = "a fox";
    r.steps = steps;
    r.width = r.height = side;
    r.count = count;
    protocol::sign_request(r, *client);
    return r;
  }
};

// Submits requests made by `request_of(attempt)` until the coordinator accepts one (its
// acknowledgement reaches `callbacks.on_ack`): a worker registers asynchronously, and until it has,
// requests are refused with no_capable_worker. Silence is not acceptance: on a loaded machine the
// refusal can come late, so each try waits up to 60 s for one of the two answers. The accepted
// session is left in `session`; its request's id is returned (empty, with a failure added, when
// none was accepted).
std::string submit_until_accepted(caf::actor_system& system, const caf::actor& target,
                                  const Identity& client,
                                  const std::function<protocol::GenerateRequest(int)>& request_of,
                                  client::SessionCallbacks callbacks,
                                  std::optional<client::GenerateSession>& session) {
  struct Answer {
    std::mutex mutex;
    std::condition_variable changed;
    bool accepted = false;
  };
  auto answer = std::make_shared<Answer>();
  callbacks.on_ack = [answer, on_ack = callbacks.on_ack](const protocol::SubmitAck& ack) {
    if (on_ack) on_ack(ack);
    std::lock_guard lock(answer->mutex);
    answer->accepted = true;
    answer->changed.notify_all();
  };
  for (int attempt = 0; attempt < 100; ++attempt) {
    const protocol::GenerateRequest request = request_of(attempt);
    session.emplace(system, &target, config::Endpoint{}, config::NetworkSection{}, request,
                    std::make_shared<const Identity>(client), callbacks);
    std::optional<client::SessionOutcome> refused;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!refused && std::chrono::steady_clock::now() < give_up) {
      {
        std::unique_lock lock(answer->mutex);
        if (answer->changed.wait_for(lock, std::chrono::milliseconds(50),
                                     [&] { return answer->accepted; }))
          return request.request_id;
      }
      refused = session->wait(std::chrono::milliseconds(0));
    }
    if (!refused) {
      ADD_FAILURE() << "the coordinator neither accepted nor refused " << request.request_id
                    << " in 60 s";
      return {};
    }
    if (refused->reply.code != protocol::ErrorCode::no_capable_worker) {
      ADD_FAILURE() << "refused " << request.request_id << ": " << refused->reply.reason;
      return {};
    }
    session.reset();
  }
  ADD_FAILURE() << "no worker took a request in 100 tries";
  return {};
}

TEST(EmbeddedNode, AllRolesInOneProcessServeARequest) {
  EmbeddedNetwork net;
  ASSERT_TRUE(net.model && net.client);
  const fs::path& dir = net.dir.path();
  const Identity& client = *net.client;
  auto& c = net.plan.config;
  c.roles.push_back("validator");
  c.coordinator->audit.rate = 1.0;
  c.validator.emplace();
  c.validator->key_file = (dir / "validator.key").string();
  c.validator->rendering.models.push_back({net.model->checkpoint_path, ""});
  c.validator->rendering.threads = 1;
  auto node = Node::start(net.plan);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_GT((*node)->coordinator_port(), 0);
  EXPECT_TRUE(fs::exists(dir / "data/coordinator.port"));

  const protocol::GenerateRequest r = net.request("embedded", 3, 64, 4);
  std::size_t results = 0;
  std::vector<std::string> audits;
  client::SessionCallbacks callbacks;
  callbacks.on_event = [&](const protocol::ClientEvent& e) {
    if (e.kind == protocol::EventKind::result) {
      ++results;
      audits.push_back(e.audit);
    }
  };
  const protocol::coordinator_actor coordinator = *(*node)->coordinator();
  // A client session takes a handle as a remote link gives it (untyped).
  const caf::actor session_target = caf::actor_cast<caf::actor>(coordinator);
  // Audit rate 1.0 means every result is audited, but only once a validator has registered:
  // submit after the coordinator's status lists one, so "no validator" cannot pass for an audit.
  ASSERT_TRUE(wait_for_validator((*node)->system(), coordinator))
      << "no validator registered with the coordinator within 60 s";
  std::optional<client::SessionOutcome> outcome;
  // The worker and validator register asynchronously: retry until the network takes requests.
  for (int attempt = 0; attempt < 100; ++attempt) {
    client::GenerateSession session((*node)->system(), &session_target, {}, {}, r,
                                    std::make_shared<const Identity>(client), callbacks);
    outcome = session.wait(std::chrono::seconds(60));
    if (!outcome || outcome->reply.code != protocol::ErrorCode::no_capable_worker) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 4u);
  EXPECT_EQ(results, 4u);
  for (const auto& a : audits) EXPECT_EQ(a, "passed") << "every result is audited at rate 1.0";
  EXPECT_FALSE((*node)->failed());
  (*node)->stop();
  node->reset();
  // Each image was written once, by the result checker that checked it, and the coordinator named
  // it there: one record per result in the journal's image log, none overwritten as unnamed.
  auto log = coordinator::ImageLog::open((dir / "data/journal.sqlite.images").string());
  ASSERT_TRUE(log) << log.error().message;
  std::size_t records = 0, erased = 0;
  for (const std::uint64_t segment : log->segments()) {
    auto in_segment = log->records(segment);
    ASSERT_TRUE(in_segment) << in_segment.error().message;
    for (const auto& record : *in_segment) {
      ++records;
      erased += record.erased;
    }
  }
  EXPECT_EQ(records, 4u);
  EXPECT_EQ(erased, 0u);
}

// Stopping a node whose worker is inside a long render does not wait for the render: the step in
// progress stops within an op. Measured against the render's own pace: the first step's time.
TEST(EmbeddedNode, StoppingDoesNotWaitForTheRenderInProgress) {
  EmbeddedNetwork net;
  ASSERT_TRUE(net.model && net.client);
  auto node = Node::start(net.plan);
  ASSERT_TRUE(node) << node.error().message;
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  std::condition_variable stepped;
  std::optional<Clock::time_point> started, first_step;
  client::SessionCallbacks callbacks;
  callbacks.on_event = [&](const protocol::ClientEvent& e) {
    std::lock_guard lock(mutex);
    if (e.kind == protocol::EventKind::started && !started) started = Clock::now();
    if (e.kind == protocol::EventKind::progress && e.step >= 1 && !first_step) {
      first_step = Clock::now();
      stepped.notify_all();
    }
  };
  const caf::actor target = caf::actor_cast<caf::actor>(*(*node)->coordinator());
  const std::uint32_t steps = 150;  // about 100 s at 512 x 512 on one thread
  {
    std::optional<client::GenerateSession> session;
    const auto request_of = [&](int attempt) {
      return net.request("long-" + std::to_string(attempt), steps, 512, 1);
    };
    ASSERT_FALSE(submit_until_accepted((*node)->system(), target, *net.client, request_of,
                                       callbacks, session)
                     .empty());
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        stepped.wait_for(lock, std::chrono::seconds(120), [&] { return first_step.has_value(); }))
        << "the render reported no step in 120 s (its job "
        << (started ? "started" : "never started") << ")";
  }  // the client leaves; the job goes on rendering
  ASSERT_TRUE(started);
  const auto step_time =
      std::max(*first_step - *started, Clock::duration(std::chrono::milliseconds(50)));
  const auto stop_began = Clock::now();
  (*node)->stop();
  const auto stop_time = Clock::now() - stop_began;
  // The rest of the render is 149 steps; a stop that waited for it would take ~149 x step_time.
  EXPECT_LT(stop_time, 10 * step_time)
      << "stop took " << std::chrono::duration<double>(stop_time).count() << " s; a step takes "
      << std::chrono::duration<double>(step_time).count() << " s";
  node->reset();
}

// The node's coordinator under its interface and as a client session takes it (untyped), and the
// key it signs with (the node's): what client commands name.
struct CoordinatorHandles {
  protocol::coordinator_actor actor;
  caf::actor target;
  PublicKey key;
};

CoordinatorHandles coordinator_of(Node& node, const EmbeddedNetwork& net) {
  const protocol::coordinator_actor coordinator = *node.coordinator();
  return {coordinator, caf::actor_cast<caf::actor>(coordinator),
          Identity::load_or_create(net.dir / "node.key")->public_key()};
}

// What an attached client actor received: each result's index, and the completed events.
struct Followed {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::uint32_t, int> results;
  int completed = 0;
  bool answered = false;
};

// A client actor of `system` that attaches to `request_id` (signed by `client` for `coordinator`)
// and records what it receives in `seen`.
void attach_follower(caf::actor_system& system, const protocol::coordinator_actor& target,
                     const PublicKey& coordinator, const Identity& client,
                     const std::string& request_id, std::shared_ptr<Followed> seen) {
  const auto command =
      protocol::make_client_command(protocol::ClientCommandKind::attach, request_id, coordinator,
                                    client, protocol::unix_now_ms());
  system.spawn([target, command, seen](caf::event_based_actor* self) {
    // Gone once its request completed (a follower that stayed would hold the node's stop).
    auto note = [self, seen](const protocol::ClientEvent& e) {
      std::lock_guard lock(seen->mutex);
      if (e.kind == protocol::EventKind::result) ++seen->results[e.index];
      seen->completed += e.kind == protocol::EventKind::completed;
      seen->changed.notify_all();
      if (e.kind == protocol::EventKind::completed) self->quit();
    };
    self->request(target, std::chrono::seconds(30), protocol::attach_atom::value, command,
                  std::vector<std::uint32_t>{})
        .then([seen](const protocol::SubmitAck& ack) {
          std::lock_guard lock(seen->mutex);
          seen->answered = ack.outcome.ok();
          seen->changed.notify_all();
        });
    return caf::behavior{
        [note](protocol::event_atom, const protocol::ClientEvent& e) { note(e); },
        [note](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
          for (const auto& e : events) note(e);
        },
        caf::after(std::chrono::seconds(60)) >> [self] { self->quit(); },
    };
  });
}

// Each of `count` results once and the completed event, within 120 s.
bool followed_to_the_end(Followed& seen, std::uint32_t count) {
  std::unique_lock lock(seen.mutex);
  seen.changed.wait_for(lock, std::chrono::seconds(120),
                        [&] { return seen.completed > 0 && seen.results.size() == count; });
  if (seen.completed != 1 || seen.results.size() != count) return false;
  for (const auto& [index, times] : seen.results)
    if (times != 1) return false;
  return true;
}

// The client that submitted a request goes down while it runs: the coordinator stops following
// that client only (found through its list of followed requests), and a client attached to the
// same request, and one that attaches after, each get every result once and the completed event.
TEST(EmbeddedNode, AClientGoingDownLeavesTheOtherFollowersOfItsRequest) {
  EmbeddedNetwork net;
  ASSERT_TRUE(net.model && net.client);
  auto node = Node::start(net.plan);
  ASSERT_TRUE(node) << node.error().message;
  const auto [coordinator, target, coordinator_key] = coordinator_of(**node, net);
  constexpr std::uint32_t kCount = 3;
  std::string request_id;
  {
    std::optional<client::GenerateSession> submitter;
    const auto request_of = [&](int attempt) {
      return net.request("followed-" + std::to_string(attempt), 40, 64, kCount);
    };
    request_id =
        submit_until_accepted((*node)->system(), target, *net.client, request_of, {}, submitter);
    ASSERT_FALSE(request_id.empty());
    auto attached = std::make_shared<Followed>();
    attach_follower((*node)->system(), coordinator, coordinator_key, *net.client, request_id,
                    attached);
    {
      std::unique_lock lock(attached->mutex);
      ASSERT_TRUE(attached->changed.wait_for(lock, std::chrono::seconds(30),
                                             [&] { return attached->answered; }));
    }
    {
      std::lock_guard lock(attached->mutex);
      ASSERT_EQ(attached->completed, 0) << "the request ended before its client went down";
    }
    submitter.reset();  // the submitting client goes down while the request runs
    EXPECT_TRUE(followed_to_the_end(*attached, kCount));
  }
  auto later = std::make_shared<Followed>();
  attach_follower((*node)->system(), coordinator, coordinator_key, *net.client, request_id, later);
  EXPECT_TRUE(followed_to_the_end(*later, kCount));
  EXPECT_FALSE((*node)->failed());
  (*node)->stop();
  node->reset();
}

// Commands sent right behind their submit, before it is answered: a busy coordinator checks a
// submit's signature on a result checker, and the attach and cancel that follow it for the same
// id must still be taken after it (taken first, they would find no request). A burst of submits,
// each followed at once by an attach and some by a cancel, a few of the submits with a signature
// that does not verify: each command is answered as it would be in order.
TEST(EmbeddedNode, CommandsSentRightBehindASubmitAreTakenAfterIt) {
  EmbeddedNetwork net;
  ASSERT_TRUE(net.model && net.client);
  auto node = Node::start(net.plan);
  ASSERT_TRUE(node) << node.error().message;
  const auto [coordinator, target, coordinator_key] = coordinator_of(**node, net);
  std::optional<client::GenerateSession> first;
  const auto first_request = [&](int attempt) {
    return net.request("worker-up-" + std::to_string(attempt), 3, 64, 1);
  };
  ASSERT_FALSE(
      submit_until_accepted((*node)->system(), target, *net.client, first_request, {}, first)
          .empty());

  constexpr int kRequests = 12;
  constexpr std::uint32_t kCount = 2;
  const auto forged = [](int i) { return i % 4 == 3; };     // prompt changed after signing
  const auto cancelled = [](int i) { return i % 4 == 1; };  // cancelled right after its attach
  {  // the client actor goes before the node stops (a live one would hold the stop)
    caf::scoped_actor self{(*node)->system()};
    std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> submits, attaches,
        cancels;
    for (int i = 0; i < kRequests; ++i) {
      auto request = net.request("burst-" + std::to_string(i), 3, 64, kCount);
      if (forged(i)) request.prompt += " in the snow";
      const auto command = [&](protocol::ClientCommandKind kind) {
        return protocol::make_client_command(kind, request.request_id, coordinator_key, *net.client,
                                             protocol::unix_now_ms());
      };
      submits.push_back(
          self->request(target, std::chrono::seconds(60), protocol::submit_atom::value, request));
      attaches.push_back(self->request(
          target, std::chrono::seconds(60), protocol::attach_atom::value,
          command(protocol::ClientCommandKind::attach), std::vector<std::uint32_t>{}));
      if (cancelled(i))
        cancels.push_back(self->request(target, std::chrono::seconds(60),
                                        protocol::cancel_atom::value,
                                        command(protocol::ClientCommandKind::cancel)));
    }
    // The outcome of an answer of type `Answer` (a SubmitAck's, or a Reply).
    const auto answered = []<class Answer>(auto& handle, Answer) {
      protocol::Reply outcome = protocol::refuse(protocol::ErrorCode::internal, "no answer");
      handle.receive(
          [&](const Answer& answer) {
            if constexpr (std::is_same_v<Answer, protocol::SubmitAck>)
              outcome = answer.outcome;
            else
              outcome = answer;
          },
          [&](const caf::error& e) { outcome.reason = caf::to_string(e); });
      return outcome;
    };
    for (int i = 0, c = 0; i < kRequests; ++i) {
      const protocol::Reply submitted = answered(submits[i], protocol::SubmitAck{});
      const protocol::Reply attached = answered(attaches[i], protocol::SubmitAck{});
      if (forged(i)) {
        EXPECT_EQ(submitted.code, protocol::ErrorCode::bad_signature)
            << i << ": " << submitted.reason;
        EXPECT_NE(submitted.reason.find("does not verify for payer"), std::string::npos)
            << submitted.reason;
        EXPECT_FALSE(attached.ok()) << "attached to refused request " << i;
      } else {
        EXPECT_TRUE(submitted.ok()) << i << ": " << submitted.reason;
        EXPECT_TRUE(attached.ok())
            << "attach " << i << " taken before its submit: " << attached.reason;
      }
      if (cancelled(i)) {
        const protocol::Reply cancel = answered(cancels[c++], protocol::Reply{});
        EXPECT_TRUE(cancel.ok()) << "cancel " << i << " taken before its submit: " << cancel.reason;
      }
    }
    // Every accepted request ends, once: the cancelled ones with jobs cancelled.
    std::map<std::string, protocol::ClientEvent> completed;
    const auto note = [&](const protocol::ClientEvent& e) {
      if (e.kind == protocol::EventKind::completed) {
        EXPECT_TRUE(completed.emplace(e.request_id, e).second);
      }
    };
    const int accepted = kRequests - kRequests / 4;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (static_cast<int>(completed.size()) < accepted &&
           std::chrono::steady_clock::now() < give_up)
      self->receive([&](protocol::event_atom, const protocol::ClientEvent& e) { note(e); },
                    [&](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
                      for (const auto& e : events) note(e);
                    },
                    caf::after(std::chrono::seconds(1)) >> [] {});
    ASSERT_EQ(static_cast<int>(completed.size()), accepted);
    for (int i = 0; i < kRequests; ++i) {
      if (forged(i)) continue;
      const auto& done = completed.at("burst-" + std::to_string(i));
      EXPECT_EQ(done.delivered + done.cancelled + done.failed, kCount) << i;
      if (cancelled(i))
        EXPECT_GT(done.cancelled, 0u) << "request " << i << " was not cancelled";
      else
        EXPECT_EQ(done.delivered, kCount) << i;
    }
  }
  first.reset();
  EXPECT_FALSE((*node)->failed());
  (*node)->stop();
  node->reset();
}

}  // namespace
}  // namespace seedgrid::node
