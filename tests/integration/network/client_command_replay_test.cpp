// Client commands over a real network of processes: an attach is good once, so a copy of one
// (taken off the wire, which is plain TCP without TLS) cannot be sent again, before or after a
// coordinator restart, to receive the payer's images; a stale one is refused; a fresh one works.
// Two attaches on one connection re-send a result once.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

using protocol::ClientCommandKind;
using protocol::ErrorCode;

// Sends `command` as an attach from a fresh actor of this process; the acknowledgement's outcome
// and how many results reached that actor within a moment of it.
struct Attached {
  protocol::Reply outcome;
  std::size_t results = 0;
};

Attached attach(Network& net, const protocol::ClientCommand& command) {
  Attached got;
  got.outcome = protocol::refuse(ErrorCode::internal, "no answer");
  auto remote = link::remote_actor(net.system(), net.endpoint(), net.coordinator_id());
  if (!remote) return got;
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);
  caf::scoped_actor self{net.system()};
  self->request(coordinator, std::chrono::seconds(30), protocol::attach_atom::value, command,
                std::vector<std::uint32_t>{})
      .receive([&](const protocol::SubmitAck& ack) { got.outcome = ack.outcome; },
               [&](caf::error&) {});
  if (!got.outcome.ok()) return got;
  // The results follow the acknowledgement (one event, or several in one message); the completed
  // event closes them.
  bool done = false;
  auto count = [&](const protocol::ClientEvent& e) {
    got.results += e.kind == protocol::EventKind::result;
    done = done || e.kind == protocol::EventKind::completed;
  };
  while (!done) {
    self->receive([&](protocol::event_atom, const protocol::ClientEvent& e) { count(e); },
                  [&](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
                    for (const auto& e : events) count(e);
                  },
                  caf::after(std::chrono::seconds(30)) >> [&] { done = true; });
  }
  return got;
}

// One worker, no validator, and a request of the client's already finished: what the attaches
// of these tests ask for again.
class ClientCommandReplay : public ::testing::Test {
 protected:
  void finish_request(const std::string& id, std::uint32_t count) {
    NetworkOptions o;
    o.workers = 1;
    o.validators = 0;
    net_ = std::make_unique<Network>(o);
    net_->start();
    Collected collected;
    auto outcome = run_request(*net_, net_->request(id, count), collected);
    ASSERT_TRUE(outcome && outcome->reply.ok());
    auto status = client::fetch_status(net_->system(), net_->endpoint(), std::chrono::seconds(10));
    ASSERT_TRUE(status) << status.error().message;
    status_ = *status;
  }
  std::unique_ptr<Network> net_;
  protocol::StatusReport status_;
};

TEST_F(ClientCommandReplay, ACopiedAttachIsRefusedBeforeAndAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(finish_request("mine", 2));
  Network& net = *net_;
  const auto command =
      protocol::make_client_command(ClientCommandKind::attach, "mine", status_.coordinator,
                                    net.client(), protocol::unix_now_ms());
  const auto first = attach(net, command);
  ASSERT_TRUE(first.outcome.ok()) << first.outcome.reason;
  EXPECT_EQ(first.results, 2u);

  const auto copy = attach(net, command);
  EXPECT_EQ(copy.outcome.code, ErrorCode::replayed_command) << copy.outcome.reason;
  EXPECT_EQ(copy.results, 0u);

  const auto stale =
      attach(net, protocol::make_client_command(
                      ClientCommandKind::attach, "mine", status_.coordinator, net.client(),
                      protocol::unix_now_ms() - 2 * protocol::kClientCommandLifetimeMs));
  EXPECT_EQ(stale.outcome.code, ErrorCode::stale_command) << stale.outcome.reason;

  net.coordinator().signal(SIGKILL);
  ASSERT_TRUE(net.coordinator().wait(std::chrono::seconds(10)));
  net.start_coordinator();
  ASSERT_TRUE(net.wait_for_nodes(1, std::chrono::seconds(60)));
  const auto after_restart = attach(net, command);
  EXPECT_EQ(after_restart.outcome.code, ErrorCode::replayed_command)
      << after_restart.outcome.reason;
  const auto fresh = attach(
      net, protocol::make_client_command(ClientCommandKind::attach, "mine", status_.coordinator,
                                         net.client(), protocol::unix_now_ms()));
  EXPECT_TRUE(fresh.outcome.ok()) << fresh.outcome.reason;
  EXPECT_EQ(fresh.results, 2u);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

// A client whose attach's answer is late asks again with the same `have` (generate_session.cpp),
// and a second client's attach re-sends what it misses: neither may hand a client on the same
// connection a result, or the completed event, it was already sent.
TEST_F(ClientCommandReplay, TwoAttachesOnOneConnectionSendEachResultOnce) {
  ASSERT_NO_FATAL_FAILURE(finish_request("twice", 3));
  Network& net = *net_;
  auto remote = link::remote_actor(net.system(), net.endpoint(), net.coordinator_id());
  ASSERT_TRUE(remote) << caf::to_string(remote.error());
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);
  caf::scoped_actor self{net.system()};
  for (int i = 0; i < 2; ++i) {
    const auto command =
        protocol::make_client_command(ClientCommandKind::attach, "twice", status_.coordinator,
                                      net.client(), protocol::unix_now_ms());
    self->request(coordinator, std::chrono::seconds(30), protocol::attach_atom::value, command,
                  std::vector<std::uint32_t>{})
        .receive(
            [&](const protocol::SubmitAck& ack) {
              EXPECT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
            },
            [&](caf::error& err) { ADD_FAILURE() << caf::to_string(err); });
  }
  // Everything either attach sent has arrived once a status answer sent after both has: one
  // connection, and the coordinator answers in the order it was asked.
  self->request(coordinator, std::chrono::seconds(30), protocol::status_atom::value)
      .receive([](const protocol::StatusReport&) {},
               [&](caf::error& err) { ADD_FAILURE() << caf::to_string(err); });
  std::map<std::uint32_t, int> results;
  int completed = 0;
  bool more = true;
  auto count = [&](const protocol::ClientEvent& e) {
    if (e.kind == protocol::EventKind::result) ++results[e.index];
    completed += e.kind == protocol::EventKind::completed;
  };
  while (more)
    self->receive([&](protocol::event_atom, const protocol::ClientEvent& e) { count(e); },
                  [&](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
                    for (const auto& e : events) count(e);
                  },
                  caf::after(std::chrono::milliseconds(500)) >> [&] { more = false; });
  EXPECT_EQ(results, (std::map<std::uint32_t, int>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(completed, 1);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

// An attach handled while an earlier batch's commit is in flight: that batch's events are not the
// new client's. Its answer comes first, then its own replay; a client that drops events before
// its answer (the gateway) lost the results when the earlier batch's went to it first. Each
// commit is held 300 ms (a fault-test build), and the second attach is sent while the first
// one's commit is held.
TEST_F(ClientCommandReplay, AnAttachDuringACommitGetsItsAnswerBeforeAnyEvent) {
#ifndef SEEDGRID_TEST_FAULTS
  GTEST_SKIP() << "needs a build with -DSEEDGRID_TEST_FAULTS=ON (tests/run.sh makes one)";
#endif
  {
    const CommitsHeldInFlight held(300);
    finish_request("during", 3);
  }
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  Network& net = *net_;
  auto remote = link::remote_actor(net.system(), net.endpoint(), net.coordinator_id());
  ASSERT_TRUE(remote) << caf::to_string(remote.error());
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);
  // What a client actor received, in the order it handled it: "answer", "result", "completed".
  struct Seen {
    std::mutex mutex;
    std::vector<std::string> kinds;
  };
  auto attach_from_new_actor = [&](std::shared_ptr<Seen> seen) {
    const auto command =
        protocol::make_client_command(ClientCommandKind::attach, "during", status_.coordinator,
                                      net.client(), protocol::unix_now_ms());
    net.system().spawn([coordinator, command, seen](caf::event_based_actor* self) {
      auto note = [seen](std::string kind) {
        std::lock_guard lock(seen->mutex);
        seen->kinds.push_back(std::move(kind));
      };
      auto on_event = [note](const protocol::ClientEvent& e) {
        if (e.kind == protocol::EventKind::result) note("result");
        if (e.kind == protocol::EventKind::completed) note("completed");
      };
      self->request(coordinator, std::chrono::seconds(30), protocol::attach_atom::value, command,
                    std::vector<std::uint32_t>{})
          .then([note](const protocol::SubmitAck& ack) {
            note(ack.outcome.ok() ? "answer" : "refused: " + ack.outcome.reason);
          });
      return caf::behavior{
          [on_event](protocol::event_atom, const protocol::ClientEvent& e) { on_event(e); },
          [on_event](protocol::events_atom, const std::vector<protocol::ClientEvent>& events) {
            for (const auto& e : events) on_event(e);
          },
          caf::after(std::chrono::seconds(10)) >> [self] { self->quit(); },
      };
    });
  };
  auto first = std::make_shared<Seen>(), second = std::make_shared<Seen>();
  attach_from_new_actor(first);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // within the first one's commit
  attach_from_new_actor(second);
  const std::vector<std::string> expected{"answer", "result", "result", "result", "completed"};
  auto kinds_of = [](Seen& seen) {
    std::lock_guard lock(seen.mutex);
    return seen.kinds;
  };
  for (int i = 0; i < 100 && (kinds_of(*first).size() < expected.size() ||
                              kinds_of(*second).size() < expected.size());
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(kinds_of(*first), expected);
  EXPECT_EQ(kinds_of(*second), expected) << "the attach sent during the first one's commit";
  if (::testing::Test::HasFailure()) net.dump_logs();
}

// A cancel handled while commits are in flight (each held 300 ms, a fault-test build): jobs were
// sent to the worker as their batch's commit started, results arrive while the next one runs, and
// the cancel's batch follows both. Each job still ends once, as an image or as cancelled, the
// counts of the completed event add up, and no job is settled twice or after its cancel.
TEST(ClientCommandsInFlight, ACancelDuringACommitEndsEachJobOnce) {
#ifndef SEEDGRID_TEST_FAULTS
  GTEST_SKIP() << "needs a build with -DSEEDGRID_TEST_FAULTS=ON (tests/run.sh makes one)";
#endif
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  o.worker_max_batch = 1;
  o.worker_max_inflight = 1;
  Network net(o);
  {
    const CommitsHeldInFlight held(300);
    net.start();
  }
  // ~0.3 s a job, one at a time: most are left when the cancel comes, and some are on the worker.
  constexpr std::uint32_t kJobs = 12;
  const auto request = net.request("halted", kJobs, 80);
  Collected got;
  client::GenerateSession session(net.system(), nullptr, net.endpoint(), {}, request,
                                  std::make_shared<const Identity>(net.client()), got.callbacks());
  ASSERT_TRUE(wait_for_results(got, 2, std::chrono::seconds(120)));
  session.cancel();
  auto outcome = session.wait(std::chrono::seconds(120));
  ASSERT_TRUE(outcome) << "the cancelled request did not complete";
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  const auto& done = outcome->completed;
  EXPECT_EQ(done.delivered + done.cancelled + done.failed, kJobs);
  EXPECT_GE(done.delivered, 2u);
  EXPECT_GT(done.cancelled, 0u) << "the request finished before the cancel";
  EXPECT_EQ(outcome->duplicate_results, 0u);
  std::map<std::uint32_t, int> endings;  // per job: images and cancellations told
  {
    std::lock_guard lock(got.mutex);
    for (const auto& e : got.events)
      if (e.kind == protocol::EventKind::result || e.kind == protocol::EventKind::cancelled)
        ++endings[e.index];
    EXPECT_EQ(got.results.size(), done.delivered);
  }
  EXPECT_EQ(endings.size(), kJobs);
  for (const auto& [index, count] : endings) EXPECT_EQ(count, 1) << "job " << index;
  (void)settled_history(net);
  net.stop();
  const auto settled = settlements_by_job(net.ledger_path());  // and every asset conserved
  for (const auto& [job, count] : settled) EXPECT_EQ(count, 1) << job;
  EXPECT_EQ(settled.size(), done.delivered) << "a cancelled job was settled as delivered";
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
