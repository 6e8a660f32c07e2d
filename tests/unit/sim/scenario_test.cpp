#include "runtime/sim/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace seedgrid::sim {
namespace {

TEST(Scenario, EveryShippedScenarioReads) {
  std::size_t read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(SEEDGRID_SOURCE_DIR) / "deployments" / "scenarios")) {
    if (entry.path().extension() != ".json") continue;
    auto s = load_scenario(entry.path().string());
    EXPECT_TRUE(s) << s.error().message;
    ++read;
  }
  EXPECT_GE(read, 6u);
}

TEST(Scenario, ReadsGroupsBatchesAndTheCoordinatorPolicy) {
  auto s = parse_scenario(R"({
    "name": "t", "seed": 9,
    "workers": [{"name": "gpu", "count": 4, "seconds_per_image": 2.5,
                 "cheaters": [{"kind": "fewer_steps", "count": 1, "share": 0.5}]}],
    "validators": [{"count": 1, "class": "gpu", "audit_seconds": 0.1}],
    "batches": [{"images": 10, "request_size": 5, "tier": "relaxed", "expect_s": 7}],
    "coordinator": {"routing": {"max_workers_per_request": 64}, "audit": {"rate": 0.25}}
  })",
                          "t.json");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->seed, 9u);
  ASSERT_EQ(s->workers.size(), 1u);
  EXPECT_EQ(s->workers[0].seconds_per_image, 2.5);
  ASSERT_EQ(s->workers[0].cheaters.size(), 1u);
  EXPECT_EQ(s->workers[0].cheaters[0].share, 0.5);
  EXPECT_EQ(s->batches[0].tier, "relaxed");
  EXPECT_EQ(s->coordinator.routing.max_workers_per_request, 64u);
  EXPECT_EQ(s->coordinator.audit.rate, 0.25);
  // Keys the scenario does not name keep the node config's defaults.
  EXPECT_EQ(s->coordinator.audit.blacklist_after,
            config::CoordinatorSection{}.audit.blacklist_after);
}

TEST(Scenario, EveryProblemIsNamedByItsPath) {
  auto s = parse_scenario(R"({
    "workers": [{"count": 2, "seconds_per_image": -1, "speeed": 3,
                 "cheaters": [{"kind": "bribery", "count": 3}]}],
    "batches": [{"images": 1, "tier": "instant"}]
  })",
                          "bad.json");
  ASSERT_FALSE(s);
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("bad.json"), std::string::npos) << m;
  EXPECT_NE(m.find("$.workers[0].seconds_per_image"), std::string::npos) << m;
  EXPECT_NE(m.find("$.workers[0].speeed: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("'bribery' is not a cheat of the zoo"), std::string::npos) << m;
  EXPECT_NE(m.find("3 cheaters in a group of 2 workers"), std::string::npos) << m;
  EXPECT_NE(m.find("$.batches[0].tier"), std::string::npos) << m;
}

TEST(Scenario, APartitionNamesGroupsThatExist) {
  auto s = parse_scenario(R"({"workers": [{"name": "gpu", "count": 1}],
                              "partitions": [{"at_ms": 5, "duration_ms": 10, "groups": ["cpu"]}]})",
                          "p.json");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("$.partitions[0].groups: no worker group 'cpu'"),
            std::string::npos)
      << s.error().message;
}

TEST(Scenario, TheCoordinatorSectionIsCheckedByTheNodeConfigParser) {
  auto s = parse_scenario(R"({"workers": [{"count": 1}],
                              "coordinator": {"audit": {"rate": 7}}})",
                          "c.json");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("rate"), std::string::npos) << s.error().message;
}

TEST(Scenario, ARequestLargerThanTheCoordinatorAllowsIsRefusedWithTheKeyToRaise) {
  auto s = parse_scenario(R"({"workers": [{"count": 1}],
                              "batches": [{"images": 5000, "request_size": 1000}]})",
                          "big.json");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("limits.max_count"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace seedgrid::sim
