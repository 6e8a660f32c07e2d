#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "config/node_config.hpp"

namespace seedgrid::config {
namespace {

std::string error_of(std::string_view text) {
  auto c = parse_node_config(text, "test.json");
  EXPECT_FALSE(c.has_value()) << "expected a refusal of:\n" << text;
  return c ? std::string() : c.error().message;
}

constexpr std::string_view kWorker = R"({
  "roles": ["worker"],
  "node": {"key_file": "k.key"},
  "worker": {"coordinator": {"host": "10.0.0.1", "port": 7400},
             "models": [{"path": "/models/tiny"}], "max_batch": 2}
})";

TEST(NodeConfig, ParsesAMinimalWorker) {
  auto c = parse_node_config(kWorker, "test.json");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->worker);
  EXPECT_EQ(c->worker->coordinator.host, "10.0.0.1");
  EXPECT_EQ(c->worker->max_batch, 2u);
  EXPECT_EQ(c->worker->max_inflight, 8u);  // default
  EXPECT_EQ(c->worker->rendering.models.at(0).path, "/models/tiny");
  EXPECT_FALSE(c->coordinator);
  EXPECT_EQ(c->node.name, "worker");
}

TEST(NodeConfig, UnknownKeyIsNamedWithItsPath) {
  const auto e = error_of(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
               "max_bach": 3}})");
  EXPECT_NE(e.find("$.worker.max_bach: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("max_batch"), std::string::npos) << "the error lists the known keys: " << e;
}

TEST(NodeConfig, WrongTypeSaysWhatWasExpected) {
  const auto e = error_of(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
               "max_batch": "four"}})");
  EXPECT_NE(e.find("$.worker.max_batch: expected an integer from 1 to 64, got the string \"four\""),
            std::string::npos)
      << e;
}

TEST(NodeConfig, MissingRequiredFieldIsNamed) {
  const auto e = error_of(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"models": [{"path": "m"}]}})");
  EXPECT_NE(e.find("$.worker.coordinator: required key is missing"), std::string::npos) << e;
}

TEST(NodeConfig, OutOfRangeAndNestedArrayPaths) {
  const auto e = error_of(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 70000}, "models": [{"path": "m"}, {"pth": "x"}]}})");
  EXPECT_NE(e.find("$.worker.coordinator.port: expected an integer from 1 to 65535, got 70000"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("$.worker.models[1].path: required key is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("$.worker.models[1].pth: unknown key"), std::string::npos) << e;
}

TEST(NodeConfig, PrecisionMustBeOneTheDeviceOffers) {
  auto f16 = parse_node_config(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
               "precision": "f16"}})",
                               "test.json");
  ASSERT_TRUE(f16) << f16.error().message;
  EXPECT_EQ(f16->worker->rendering.precision, "f16");
  const auto e = error_of(R"({"roles": ["validator"], "node": {"key_file": "k"},
    "validator": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
                  "device": "cuda", "precision": "f32"}})");
  EXPECT_NE(e.find("$.validator.precision: precision \"f32\" is not available on device "
                   "\"cuda\": choose \"f16\""),
            std::string::npos)
      << e;
  const auto tpu = error_of(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
               "device": "tpu", "precision": "f16"}})");
  EXPECT_NE(tpu.find("$.worker.device"), std::string::npos) << tpu;
  EXPECT_EQ(tpu.find("$.worker.precision"), std::string::npos) << "one problem, not two: " << tpu;
}

TEST(NodeConfig, SectionForAnUnlistedRoleIsRefused) {
  const auto e = error_of(R"({"roles": ["treasury"], "node": {"key_file": "k", "data_dir": "d"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}]}})");
  EXPECT_NE(e.find("$.worker: this section is given but \"worker\" is not in $.roles"),
            std::string::npos)
      << e;
}

TEST(NodeConfig, RolesAreCheckedAndUnique) {
  EXPECT_NE(error_of(R"({"roles": ["miner"], "node": {"key_file": "k"}})").find("$.roles[0]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"roles": [], "node": {"key_file": "k"}})").find("at least one"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"roles": ["treasury", "treasury"], "node": {"key_file": "k", "data_dir": "d"}})")
          .find("listed twice"),
      std::string::npos);
}

TEST(NodeConfig, CoordinatorNeedsATreasuryAndDataDir) {
  const auto e = error_of(R"({"roles": ["coordinator"], "node": {"key_file": "k"},
    "coordinator": {"models": [{"id": "00000000000000000000000000000000000000000000000000000000000000aa"}]}})");
  EXPECT_NE(e.find("$.coordinator.treasury"), std::string::npos) << e;
  EXPECT_NE(e.find("$.node.data_dir"), std::string::npos) << e;
}

TEST(NodeConfig, CatalogModelNeedsExactlyOneOfIdOrPath) {
  const auto e =
      error_of(R"({"roles": ["coordinator", "treasury"], "node": {"key_file": "k", "data_dir": "d"},
    "coordinator": {"models": [{"name": "x"}, {"id": "XYZ"}]}})");
  EXPECT_NE(e.find("$.coordinator.models[0]: give exactly one"), std::string::npos) << e;
  EXPECT_NE(e.find("$.coordinator.models[1].id: expected 64 lowercase hex digits"),
            std::string::npos)
      << e;
}

// Task types by script: each entry is a name requests use and the .lua file, resolved like a
// model's path.
TEST(NodeConfig, TaskTypesKeepFileOrderAndResolveTheirPaths) {
  auto c = parse_node_config(
      R"({"roles": ["coordinator", "treasury"], "node": {"key_file": "k", "data_dir": "d"},
    "coordinator": {"models": [{"path": "m"}],
                    "task_types": [{"name": "variation", "path": "tasks/variation.lua"},
                                   {"name": "hires_fix", "path": "/srv/hires_fix.lua"}]}})",
      "test.json", "/etc/seedgrid");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->coordinator->task_types.size(), 2u);
  EXPECT_EQ(c->coordinator->task_types[0].name, "variation");
  EXPECT_EQ(c->coordinator->task_types[0].path, "/etc/seedgrid/tasks/variation.lua");
  EXPECT_EQ(c->coordinator->task_types[1].path, "/srv/hires_fix.lua");
}

TEST(NodeConfig, TaskTypeNamesAreIdentifiersNotBuiltInAndUnique) {
  const auto e =
      error_of(R"({"roles": ["coordinator", "treasury"], "node": {"key_file": "k", "data_dir": "d"},
    "coordinator": {"models": [{"path": "m"}],
                    "task_types": [{"name": "txt2img", "path": "a.lua"},
                                   {"name": "2fast", "path": "b.lua"},
                                   {"name": "hires_fix", "path": "c.lua"},
                                   {"name": "hires_fix", "path": "d.lua"},
                                   {"name": "inpaint"}]}})");
  EXPECT_NE(e.find("$.coordinator.task_types[0].name: \"txt2img\" is a built-in task type"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("$.coordinator.task_types[1].name: expected an identifier"), std::string::npos)
      << e;
  EXPECT_NE(e.find("$.coordinator.task_types[3].name: \"hires_fix\" is already task_types[2]"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("$.coordinator.task_types[4].path"), std::string::npos) << e;
}

TEST(NodeConfig, InvalidJsonReportsLineAndColumn) {
  const auto e = error_of("{\n  \"roles\": [\"worker\"\n  \"node\": {}\n}");
  EXPECT_NE(e.find("test.json: not valid JSON at line 3"), std::string::npos) << e;
}

// The JSON library keeps only the last of two equal keys: a config setting a value twice would
// silently run on the second.
TEST(NodeConfig, AKeyGivenTwiceIsRefusedWithItsPathAndLine) {
  const auto top = error_of("{\"roles\": [\"worker\"],\n \"roles\": [\"validator\"]}");
  EXPECT_NE(top.find("test.json: $.roles is given twice (the second time at line 2"),
            std::string::npos)
      << top;
  const auto deep = error_of(R"({"roles": ["coordinator"], "node": {"key_file": "k"},
    "coordinator": {"models": [{"path": "a"}, {"path": "b", /* again */ "path": "c"}]}})");
  EXPECT_NE(deep.find("$.coordinator.models[1].path is given twice"), std::string::npos) << deep;
  // Equal keys in different objects are not duplicates.
  const auto c = parse_node_config(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}, {"path": "n"}]}})",
                                   "test.json");
  EXPECT_TRUE(c) << c.error().message;
}

TEST(NodeConfig, CommentsAndTrailingCommasAreAllowed) {
  auto c = parse_node_config(R"(// a worker
  { "roles": ["worker"], /* inline */ "node": {"key_file": "k",},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"},],}, })",
                             "test.json");
  EXPECT_TRUE(c) << c.error().message;
}

TEST(NodeConfig, RelativePathsResolveAgainstTheConfigDirectory) {
  auto c = parse_node_config(kWorker, "test.json", "/etc/seedgrid");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->node.key_file, "/etc/seedgrid/k.key");
  EXPECT_EQ(c->worker->rendering.models[0].path, "/models/tiny");  // absolute stays
}

TEST(NodeConfig, TreasuryEconomicsKeepFileOrderAndFeeTiers) {
  auto c = parse_node_config(R"({"roles": ["treasury"], "node": {"key_file": "k", "data_dir": "/d"},
    "treasury": {"economics": {"slash_ppm": 5, "min_stake_fast": 0,
                               "fee_tiers": [{"stake_above_minimum": 0, "fee_ppm": 10}]}}})",
                             "t.json");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->treasury->economics.size(), 2u);
  EXPECT_EQ(c->treasury->economics[0].key, "slash_ppm");
  EXPECT_EQ(c->treasury->economics[1].value, 0);
  ASSERT_TRUE(c->treasury->fee_tiers);
  EXPECT_EQ(c->treasury->fee_tiers->at(0).fee_ppm, 10);
  EXPECT_EQ(c->treasury->database, "/d/ledger.sqlite");
}

TEST(NodeConfig, LocalWorkerNeedsNoCoordinatorEndpoint) {
  auto c = parse_node_config(R"({"roles": ["coordinator", "treasury", "worker"],
    "node": {"key_file": "k", "data_dir": "d"},
    "coordinator": {"models": [{"path": "m"}]}, "worker": {"models": [{"path": "m"}]}})",
                             "t.json");
  EXPECT_TRUE(c) << c.error().message;
}

TEST(NodeConfig, DefaultConfigOfEveryRoleRoundTrips) {
  for (std::string_view role : kRoleNames) {
    auto d = default_config(role);
    ASSERT_TRUE(d) << d.error().message;
    const std::string text = to_json_text(*d);
    auto parsed = parse_node_config(text, role);
    ASSERT_TRUE(parsed) << role << ": " << parsed.error().message << "\n" << text;
    EXPECT_EQ(to_json_text(*parsed), text) << role;
  }
  EXPECT_FALSE(default_config("miner"));
}

TEST(NodeConfig, ExamplesParse) {
  const std::filesystem::path dir = std::filesystem::path(SEEDGRID_SOURCE_DIR) / "config/examples";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++seen;
    auto c = load_node_config(entry.path().string());
    EXPECT_TRUE(c) << entry.path() << ": " << c.error().message;
  }
  EXPECT_GE(seen, 5);
}

TEST(Endpoint, ParsesHostPort) {
  auto e = parse_endpoint("127.0.0.1:7400");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 7400);
  EXPECT_FALSE(parse_endpoint("localhost"));
  EXPECT_FALSE(parse_endpoint("h:0"));
  EXPECT_FALSE(parse_endpoint("h:65536"));
  EXPECT_FALSE(parse_endpoint("h:12a"));
}

}  // namespace
}  // namespace seedgrid::config
