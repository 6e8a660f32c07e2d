// `seedgrid node --print-default-config ROLE` as a new operator reads and edits it: numbers as
// people write them, every key a role has, and a config that loads back as printed.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(DefaultConfig, NumbersReadAsPeopleWriteThem) {
  for (const char* role : {"coordinator", "treasury", "worker", "validator"}) {
    const auto run = run_seedgrid(std::string("node --print-default-config ") + role);
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_FALSE(std::regex_search(run.output, std::regex("[0-9]E[-+]?[0-9]")))
        << role << " prints a number in exponent form:\n"
        << run.output;
  }
  const auto coordinator = run_seedgrid("node --print-default-config coordinator");
  EXPECT_TRUE(contains(coordinator.output, "\"max_guidance\": 30")) << coordinator.output;
}

TEST(DefaultConfig, WorkerListsEveryKey) {
  const auto run = run_seedgrid("node --print-default-config worker");
  ASSERT_EQ(run.status, 0) << run.output;
  for (const char* key : {"\"precision\": \"f32\"", "\"coordinator_key\"", "\"tokenizer_dir\""})
    EXPECT_TRUE(contains(run.output, key)) << key << "\n" << run.output;
}

TEST(DefaultConfig, PrintedDefaultsLoadBack) {
  ScratchDir dir;
  ASSERT_EQ(
      run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("models/tiny"), 120).status,
      0);
  for (const char* role : {"coordinator", "treasury", "worker", "validator"}) {
    const auto printed = run_seedgrid(std::string("node --print-default-config ") + role);
    const std::string file = dir.path(std::string(role) + ".json");
    write_file(file, printed.output);
    const auto check = run_seedgrid("node --check --config " + file);
    EXPECT_EQ(check.status, 0) << role << "\n" << check.output;
  }
}

TEST(DefaultConfig, UnknownKeyListsEachKnownKeyOnce) {
  ScratchDir dir;
  const std::string file = dir.path("worker.json");
  write_file(file, R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "127.0.0.1", "port": 7400},
               "models": [{"path": "m"}], "modles": []}})");
  const auto run = run_seedgrid("node --check --config " + file);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "$.worker.modles: unknown key")) << run.output;
  EXPECT_EQ(count_of(run.output, "tiers"), 1u) << run.output;
}

TEST(Seed, MinusOneIsRandomAndPrinted) {
  ScratchDir dir;
  ASSERT_EQ(run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120).status,
            0);
  const auto run = run_seedgrid("render --model " + dir.path("tiny") +
                                    " --prompt cat --steps 1 --width 64 --height 64 --seed -1 " +
                                    "--out " + dir.path("cat.png"),
                                120);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_FALSE(contains(run.output, "18446744073709551615")) << run.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.output, m, std::regex("random seed ([0-9]+)"))) << run.output;
  EXPECT_LT(std::stoull(m[1].str()), 1ull << 32) << run.output;
}

TEST(Seed, MkmodelTakesMinusOneAsRandomToo) {
  ScratchDir dir;
  const auto run = run_seedgrid("mkmodel --preset tiny --seed -1 --out " + dir.path("tiny"), 120);
  EXPECT_EQ(run.status, 0) << run.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.output, m, std::regex("preset \\(seed ([0-9]+),")))
      << run.output;
  EXPECT_LT(std::stoull(m[1].str()), 1ull << 32) << run.output;
}

TEST(Seed, OtherNegativeSeedsAreRefused) {
  ScratchDir dir;
  const auto run = run_seedgrid("generate --coordinator 127.0.0.1:1 --prompt cat --out " +
                                dir.path("out") + " --seed=-7");
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "--seed")) << run.output;
  EXPECT_TRUE(contains(run.output, "-7")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
