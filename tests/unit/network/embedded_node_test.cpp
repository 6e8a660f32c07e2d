// A whole network in one process (what `seedgrid sim` runs): the roles as actors of one node,
// talking the protocol in-process.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <filesystem>
#include <random>
#include <thread>

#include "actors/treasury/ledger.hpp"
#include "models/presets/write_preset.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/node/node.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::node {
namespace {

namespace fs = std::filesystem;

bool validator_connected(const protocol::StatusReport& report) {
  for (const auto& n : report.nodes)
    if (n.role == protocol::Role::validator && n.connected) return true;
  return false;
}

// Asks the coordinator for its status until a connected validator is listed, up to 60 s.
bool wait_for_validator(caf::actor_system& system,
                        const protocol::coordinator_actor& coordinator) {
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

TEST(EmbeddedNode, AllRolesInOneProcessServeARequest) {
  (void)logging::configure("warn", "");
  const fs::path dir =
      fs::temp_directory_path() / ("seedgrid-embedded-" + std::to_string(std::random_device{}()));
  PresetWriteOptions model;
  model.preset = "tiny";
  model.out_dir = (dir / "tiny").string();
  auto written = write_preset(model);
  ASSERT_TRUE(written) << written.error().message;

  const Identity client = *Identity::load_or_create((dir / "client.key").string());
  const Identity treasury_key = *Identity::load_or_create((dir / "node.key").string());
  treasury::TreasuryConfig economics;
  economics.min_stake_fast = 0;
  fs::create_directories(dir / "data");
  {
    auto ledger =
        treasury::Ledger::open((dir / "data/ledger.sqlite").string(), treasury_key, economics);
    ASSERT_TRUE(ledger) << ledger.error().message;
    ASSERT_TRUE(ledger->apply(
        treasury::Deposit{"d", 1, "user:" + client.node_id(), 50 * treasury::kMicrosPerUnit}));
  }

  NodePlan plan;
  plan.configure_logging = false;
  auto& c = plan.config;
  c.roles = {"coordinator", "treasury", "worker", "validator"};
  c.node.key_file = (dir / "node.key").string();
  c.node.data_dir = (dir / "data").string();
  c.coordinator.emplace();
  c.coordinator->listen = {"127.0.0.1", 0};
  // By path: the coordinator reads the model's id and size limits from the checkpoint.
  c.coordinator->models.push_back({"", written->checkpoint_path, "tiny", "", 43'200});
  c.coordinator->audit.rate = 1.0;
  c.treasury.emplace();
  c.treasury->database = (dir / "data/ledger.sqlite").string();
  c.treasury->economics = {{"min_stake_fast", 0}};
  c.worker.emplace();
  c.worker->rendering.models.push_back({written->checkpoint_path, ""});
  c.worker->rendering.threads = 1;
  c.validator.emplace();
  c.validator->key_file = (dir / "validator.key").string();
  c.validator->rendering.models.push_back({written->checkpoint_path, ""});
  c.validator->rendering.threads = 1;
  auto node = Node::start(plan);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_GT((*node)->coordinator_port(), 0);
  EXPECT_TRUE(fs::exists(dir / "data/coordinator.port"));

  protocol::GenerateRequest r;
  r.request_id = "embedded";
  r.model_id = written->model_id;
  r.prompt = "a fox";
  r.steps = 3;
  r.width = r.height = 64;
  r.count = 4;
  protocol::sign_request(r, client);
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
  fs::remove_all(dir);
}

}  // namespace
}  // namespace seedgrid::node
