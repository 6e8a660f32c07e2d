// What a user of any Unix tool expects of `seedgrid`: --version, a helpful word for a mistyped
// command, exit status 2 for every usage error, --help with defaults and an example, and an
// output folder created when it does not exist yet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <utility>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

const std::string kTxt2img = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/txt2img.lua";

const char* const kCommands[] = {"audit", "generate", "keygen", "ledger", "mkmodel",
                                 "node",  "render",   "sim",    "status"};

TEST(Conventions, VersionPrintsTheVersion) {
  const auto run = run_seedgrid("--version");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "seedgrid 0.")) << run.output;
  // The wire protocol too: nodes of one network must share it (runtime/base/protocol/version.hpp).
  EXPECT_TRUE(contains(run.output, "(wire protocol 2)")) << run.output;
}

TEST(Conventions, AnUnknownCommandIsNamedAndTheCommandsListed) {
  const auto run = run_seedgrid("rendr --model x");
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "unknown command 'rendr'")) << run.output;
  for (const char* c : kCommands) EXPECT_TRUE(contains(run.output, c)) << c << "\n" << run.output;
}

TEST(Conventions, AnUnknownSubcommandIsNamedAndTheSubcommandsListed) {
  const auto run = run_seedgrid("ledger balanse --db x");
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "seedgrid ledger: unknown subcommand 'balanse'")) << run.output;
  for (const char* s : {"balance", "history", "verify"})
    EXPECT_TRUE(contains(run.output, s)) << s << "\n" << run.output;
  // A command whose first word is its argument, not a subcommand, is not affected.
  EXPECT_FALSE(contains(run_seedgrid("audit nowhere.receipt.json").output, "unknown subcommand"));
}

// Values that can never work are refused as the command line is read, naming the value.
TEST(Conventions, ValuesThatCannotWorkAreRefusedAsTheyAreRead) {
  const auto key = run_seedgrid(
      "generate --coordinator 127.0.0.1:1 --coordinator-key abc --prompt cat --out /tmp/x");
  EXPECT_EQ(key.status, 2) << key.output;
  EXPECT_TRUE(contains(key.output, "'abc' is not a node id")) << key.output;
  EXPECT_EQ(
      run_seedgrid("status --coordinator 127.0.0.1:1 --coordinator-key " + std::string(63, 'a'))
          .status,
      2);
  for (const char* bad : {"generate --coordinator 127.0.0.1:1 --prompt x --count 0 --out /tmp/x",
                          "generate --coordinator 127.0.0.1:1 --prompt x --steps 0 --out /tmp/x",
                          "sim --count 0", "sim --steps 0"}) {
    const auto run = run_seedgrid(bad);
    EXPECT_EQ(run.status, 2) << bad << "\n" << run.output;
    EXPECT_FALSE(contains(run.output, "cannot reach")) << bad << "\n" << run.output;
    EXPECT_FALSE(contains(run.output, "starting coordinator")) << bad << "\n" << run.output;
  }
  const auto rate = run_seedgrid("sim --audit-rate 5");
  EXPECT_EQ(rate.status, 2) << rate.output;
  EXPECT_TRUE(contains(rate.output, "--audit-rate")) << rate.output;
  // How to cancel is in the help of the command that can be cancelled.
  EXPECT_TRUE(contains(run_seedgrid("generate --help").output, "Ctrl-C cancels the request"));
}

TEST(Conventions, NoCommandIsAUsageError) { EXPECT_EQ(run_seedgrid("").status, 2); }

TEST(Conventions, UsageErrorsExitTwo) {
  // A missing required option (CLI11: 106), an unknown option (109? extras), a bad number.
  EXPECT_EQ(run_seedgrid("render --prompt cat").status, 2);
  EXPECT_EQ(run_seedgrid("status --coordinator 127.0.0.1:1 --no-such-option").status, 2);
  EXPECT_EQ(run_seedgrid("render --model m --prompt p --out o.png --steps many").status, 2);
  EXPECT_EQ(run_seedgrid("ledger").status, 2);
  EXPECT_EQ(run_seedgrid("ledger balance --db x --account a --extra").status, 2);
}

// An input file or folder named on the command line that is not there is a usage error in every
// command, named with its option. `task check` of a missing script exited 1, as if the script had
// failed its check; render, task run and sim of a missing model, and ledger of a missing database,
// exited 1 too, while node, audit and sim --virtual exited 2.
TEST(Conventions, AMissingInputFileIsAUsageErrorNamingIt) {
  ScratchDir dir;
  const std::string none = dir.path("none");
  const std::string out = " --out " + dir.path("x.png");
  const std::pair<std::string, std::string> cases[] = {
      {"task check " + none + ".lua", "FILE " + none + ".lua: no such file"},
      {"task run " + none + ".lua --model " + dir.path() + out, "FILE " + none + ".lua: no such"},
      {"task run " + kTxt2img + " --model " + none + out,
       "--model " + none + ": no such file or folder"},
      {"render --prompt cat --model " + none + out, "--model " + none + ": no such file or folder"},
      {"render --prompt cat --model " + dir.path() + " --init-image " + none + ".png" + out,
       "--init-image " + none + ".png: no such file"},
      {"sim --prompt cat --data " + dir.path("sim") + " --model " + none,
       "--model " + none + ": no such file or folder"},
      {"ledger balance --account user:alice --db " + none + ".sqlite",
       "--db " + none + ".sqlite: no such file"},
      {"ledger verify " + none + ".sqlite --pubkey " + std::string(64, 'a'),
       "DB " + none + ".sqlite: no such file"},
      {"node --config " + none + ".json", none + ".json"},
      {"sim --virtual " + none + ".json", none + ".json"},
      // A missing key is created; one that is there must be readable.
      {"generate --coordinator 127.0.0.1:1 --prompt cat --out " + dir.path("o") + " --key " +
           dir.path(),
       "--key " + dir.path() + " is a folder: give a file"},
  };
  for (const auto& [command, message] : cases) {
    const auto run = run_seedgrid(command, 60);
    EXPECT_EQ(run.status, 2) << command << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, message)) << command << "\n" << run.output;
  }
  // A file that was read and fails is the command's failure, not a usage error.
  std::ofstream(dir.path("bad.lua")) << "name = 'bad'\nerror('broken')\n";
  EXPECT_EQ(run_seedgrid("task check " + dir.path("bad.lua")).status, 1);
}

// A subcommand's --help shows an example of that subcommand, not its command's.
TEST(Conventions, EachLedgerSubcommandShowsItsOwnExample) {
  for (const char* s : {"init", "configure", "deposit", "transfer", "stake", "unstake", "withdraw",
                        "quote", "balance", "history", "epoch", "verify"}) {
    const auto run = run_seedgrid(std::string("ledger ") + s + " --help");
    EXPECT_EQ(run.status, 0) << s << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, std::string("Example:\n  seedgrid ledger ") + s + " "))
        << s << "\n"
        << run.output;
  }
}

TEST(Conventions, EveryHelpShowsDefaultsAndAnExample) {
  for (const char* c : kCommands) {
    const auto run = run_seedgrid(std::string(c) + " --help");
    EXPECT_EQ(run.status, 0) << c << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, "Example:")) << c << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, std::string("seedgrid ") + c)) << c << "\n" << run.output;
  }
  const auto render = run_seedgrid("render --help");
  EXPECT_TRUE(contains(render.output, "INT=20")) << "--steps default\n" << render.output;
  const auto generate = run_seedgrid("generate --help");
  EXPECT_TRUE(contains(generate.output, "INT=3600")) << "--timeout default\n" << generate.output;
  EXPECT_TRUE(contains(generate.output, "TEXT=relaxed")) << "--tier default\n" << generate.output;
  EXPECT_FALSE(contains(generate.output, "seedgrid render")) << "one example, its own\n"
                                                              << generate.output;
}

TEST(Conventions, RenderCreatesTheOutputFolder) {
  ScratchDir dir;
  ASSERT_EQ(run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120).status,
            0);
  const std::string out = dir.path("new/deeper/cat.png");
  const auto run = run_seedgrid("render --model " + dir.path("tiny") +
                                    " --prompt cat --steps 1 --width 64 --height 64 --out " + out,
                                120);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << run.output;
  // Before any render: an empty --out (it aborted with an uncaught filesystem error) and a folder
  // (it failed only after rendering).
  const std::string model = " --model " + dir.path("tiny") + " --prompt cat --steps 1 ";
  const auto empty = run_seedgrid("render" + model + "--out ''", 120);
  EXPECT_EQ(empty.status, 1) << empty.output;
  EXPECT_TRUE(contains(empty.output, "--out is empty")) << empty.output;
  const auto folder = run_seedgrid("render" + model + "--out " + dir.path("new"), 120);
  EXPECT_EQ(folder.status, 1) << folder.output;
  EXPECT_TRUE(contains(folder.output, "is a folder")) << folder.output;
}

}  // namespace
}  // namespace seedgrid::test
