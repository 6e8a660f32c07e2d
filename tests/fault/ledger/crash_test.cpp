// Crash safety: SIGKILL a treasury in the middle of a settlement run, many times, at random
// moments. After every kill the reopened ledger must verify (chain, signatures, balances) and
// conserve each asset; after the run finally completes, its journal must be exactly the journal of
// a run that was never killed — same head hash — so every settlement was applied exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/verify.hpp"
#include "runtime/base/storage/database.hpp"
#include "tests/unit/storage/database_location.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;

namespace {

PublicKey stream_key() {
  std::array<std::uint8_t, 32> seed;
  seed.fill(0x5e);  // the helper's treasury key
  return Identity::from_seed(seed).public_key();
}

class CrashTest : public ::testing::Test {
 protected:
  CrashTest() {
    dir_ =
        std::filesystem::temp_directory_path() / (message_of("seedgrid-ledger-crash-", ::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~CrashTest() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  struct Child {
    pid_t pid = -1;
    FILE* out = nullptr;  // the helper's stdout
  };

  static Child spawn(const std::string& db, std::uint64_t batch_seed) {
    int fds[2];
    if (::pipe(fds) != 0) return {};
    std::fflush(nullptr);  // the child must not inherit (and flush again) our buffered output
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string seed = std::to_string(batch_seed);
      ::execl(SETTLEMENT_STREAM, SETTLEMENT_STREAM, db.c_str(), seed.c_str(),
              static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(fds[1]);
    return {pid, ::fdopen(fds[0], "r")};
  }

  // Waits for the helper to exit; returns its wait status.
  static int reap(Child& child) {
    int status = 0;
    EXPECT_EQ(::waitpid(child.pid, &status, 0), child.pid);
    if (child.out) std::fclose(child.out);
    child.out = nullptr;
    return status;
  }

  // Runs the stream to its end; the exit status must be 0.
  static void run_to_completion(const std::string& db, std::uint64_t batch_seed) {
    Child child = spawn(db, batch_seed);
    ASSERT_GT(child.pid, 0);
    char line[256];
    while (std::fgets(line, sizeof line, child.out)) {
    }
    const int status = reap(child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "settlement stream failed, status " << status;
  }

  // A kill between creating the file and committing the genesis leaves a database without tables:
  // nothing was committed, which is a correct outcome of that crash.
  static bool has_journal(const std::string& db) {
    auto conn = storage::Database::open(db, {.read_only = true});
    EXPECT_TRUE(conn.has_value()) << conn.error().message;
    if (!conn) return false;
    // A statement over a missing table does not prepare, on either engine.
    return conn->prepare("SELECT seq FROM journal LIMIT 1").has_value();
  }

  // What must hold after any crash: the file verifies and every asset is conserved.
  static std::uint64_t check_recovered(const std::string& db, int round) {
    if (!has_journal(db)) return 0;
    auto report = verify_ledger(db, stream_key());
    EXPECT_TRUE(report.has_value()) << "round " << round << ": " << report.error().message;
    auto ledger = Ledger::open_read_only(db);
    EXPECT_TRUE(ledger.has_value()) << ledger.error().message;
    if (!ledger) return 0;
    auto conservation = ledger->conservation();
    EXPECT_TRUE(conservation.has_value());
    for (const Conservation& c : conservation.value_or(std::vector<Conservation>{})) {
      EXPECT_TRUE(c.holds_exactly())
          << "round " << round << ": " << asset_name(c.asset) << " not conserved";
    }
    if (report) {
      EXPECT_EQ(report->head, ledger->head_hash());
    }
    return ledger->head_seq();
  }

  std::filesystem::path dir_;
};

TEST_F(CrashTest, KilledSettlementRunsRecoverAndApplyEachOperationOnce) {
  // The reference: the same stream, never interrupted.
  const std::string reference = test::database_location(file("reference.db"), "reference");
  const auto started = std::chrono::steady_clock::now();
  run_to_completion(reference, 0);
  if (HasFatalFailure()) return;
  const auto full_run = std::chrono::steady_clock::now() - started;
  auto expected = Ledger::open_read_only(reference);
  ASSERT_TRUE(expected.has_value());
  const std::uint64_t full_length = expected->head_seq();
  ASSERT_GT(full_length, 2'000u);

  const std::string db = test::database_location(file("crashed.db"), "crashed");
  std::mt19937_64 rng(static_cast<std::uint64_t>(::getpid()));
  // Each round resumes the run, lets it make 1 to 20 new commits, then kills it at a random moment
  // up to 3 ms later: in a transaction, in a commit's fsync, or between them.
  std::uint64_t previous = 0;
  int kills = 0;
  for (int round = 0; round < 40; ++round) {
    Child child = spawn(db, static_cast<std::uint64_t>(round) + 1);
    ASSERT_GT(child.pid, 0);
    const int commits = 1 + static_cast<int>(rng() % 20);
    char line[256];
    for (int seen = 0; seen < commits && std::fgets(line, sizeof line, child.out);)
      if (std::strncmp(line, "committed ", 10) == 0) ++seen;
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3'000));
    ::kill(child.pid, SIGKILL);
    const int status = reap(child);
    if (!WIFSIGNALED(status)) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
      break;  // the run completed before the kill
    }
    ++kills;
    const std::uint64_t seq = check_recovered(db, round);
    if (HasFailure()) return;
    EXPECT_GT(seq, previous) << "round " << round << " lost committed entries or made no progress";
    previous = seq;
  }
  std::printf("%d kills, the last at entry %llu of %llu\n", kills,
              static_cast<unsigned long long>(previous),
              static_cast<unsigned long long>(full_length));
  EXPECT_GE(kills, 30) << "the run completed too early";

  // Finish the run: the journal must be the reference, entry for entry.
  run_to_completion(db, 999);
  if (HasFatalFailure()) return;
  auto finished = Ledger::open_read_only(db);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->head_seq(), full_length);
  EXPECT_EQ(to_hex(finished->head_hash()), to_hex(expected->head_hash()));
  check_recovered(db, -1);
  // Running it yet again replays every key and changes nothing.
  run_to_completion(db, 7);
  auto again = Ledger::open_read_only(db);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->head_hash(), expected->head_hash());
}

}  // namespace
