// A private request's receipts, as `seedgrid generate --private` writes them over a real network:
// the prompt and seed are sealed to the requester's key, so the receipt can be shared without
// them; `seedgrid audit` says whose key opens it, and with that key (--key) audits it fully.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"
#include "tests/integration/cli/node_process.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::test {
namespace {

namespace fs = std::filesystem;

TEST(PrivateReceipt, SealsThePromptAndSeedToTheRequesterWhoseKeyAuditsIt) {
  testing::NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  testing::Network net(o);
  net.start();
  ScratchDir dir;
  const std::string key = (net.dir() / "keys/client.key").string();
  const auto generated = run_seedgrid(
      "generate --coordinator 127.0.0.1:" + std::to_string(net.endpoint().port) + " --key " + key +
          " --out " + dir.path("out") +
          " --private --request-id rq-private --prompt 'zanzibar-turquoise-marmot'"
          " --negative-prompt 'quokka-vermilion-sextant' --seed 424242 --steps 3 --width 64"
          " --height 64 --count 1",
      240);
  ASSERT_EQ(generated.status, 0) << generated.output;
  const std::string receipt = dir.path("out") + "/rq-private-0.receipt.json";
  const std::string text = file_text(receipt);
  ASSERT_FALSE(text.empty()) << generated.output;
  for (const char* secret : {"zanzibar", "quokka", "424242"})
    EXPECT_FALSE(contains(text, secret)) << secret << " is readable in " << text;

  const std::string model = " --model " + testing::tiny_model_path();
  const auto without = run_seedgrid("audit " + receipt + model, 180);
  EXPECT_EQ(without.status, 2) << without.output;
  EXPECT_TRUE(contains(without.output, "sealed to key")) << without.output;
  EXPECT_TRUE(contains(without.output, "give that key")) << without.output;

  const auto with = run_seedgrid("audit " + receipt + model + " --key " + key, 180);
  EXPECT_EQ(with.status, 0) << with.output;
  EXPECT_TRUE(contains(with.output, "PASS  spec")) << with.output;
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::test
