// Treasury ledger throughput: job settlements per second with group commit (one SQLite transaction
// and one fsync per batch; a batch's settlements of one hold are one hashed, signed entry, each
// still idempotent on its own key: settle_group.hpp), and the time `verify` takes per million
// entries. A hold's 512 jobs are consecutive, so a batch of 64 spans one or two holds: grouping's
// best case, as a coordinator's commit of one large request's jobs is.
//
//   bench_ledger [--dir DIR | --postgres URI] [--settlements N] [--verify-entries N] [--batch B]
//                [--open-holds N]
//
// --batch B measures only group commits of B (default: 1, 64 and 1024); --verify-entries 0 skips
// the verify measurement. --open-holds N (default 100,000; 0 skips) times the read of the open
// holds with N one-image requests in flight, half of them another coordinator's: a coordinator's
// sweep at its start and `seedgrid ledger holds` make it. --postgres puts the ledger in a PostgreSQL database instead of a SQLite
// file (in a schema of its own, dropped at the end).
//
// Durability is the real one: WAL with synchronous=FULL on DIR's file system (default: the system
// temp dir), or PostgreSQL's synchronous commit (as durable as its server's fsync setting).
// Everything runs on one thread. Holds are opened before the clock starts; only SettleJob
// operations are timed.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/verify.hpp"
#include "runtime/base/storage/database.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using Clock = std::chrono::steady_clock;

namespace {

Identity bench_identity() {
  std::array<std::uint8_t, 32> seed;
  seed.fill(0xbe);
  return Identity::from_seed(seed);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this process: on a shared machine the wall clock also counts other processes' turns.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double wall = 0, cpu = 0;  // per second of wall time / of CPU time
};

void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "bench_ledger: %s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

// `count` SD 1.x base renders of 512 x 512, 1 credit each.
QuoteRequest base_renders(int count) {
  return {.base_render_millis = 43'200,
          .steps = 20,
          .width = 512,
          .height = 512,
          .tier = Tier::fast,
          .count = count};
}

// Opens enough 512-image holds for `jobs` settlements and returns their ids.
std::vector<std::int64_t> open_holds(Ledger& ledger, std::int64_t jobs) {
  const std::int64_t holds = (jobs + 511) / 512;
  std::vector<Operation> setup = {
      Deposit{"bench/deposit", 1, "user:bench", (holds + 1) * 512 * kMicrosPerUnit}};
  for (std::int64_t h = 0; h < holds; ++h)
    setup.push_back(OpenHold{message_of("bench/hold/", h), 1, "user:bench", message_of("bench-", h),
                             base_renders(512)});
  std::vector<std::int64_t> ids;
  for (auto& r : ledger.apply_batch(setup)) {
    if (!r) die("setup", r.error());
    if (r->hold_id) ids.push_back(r->hold_id);
  }
  return ids;
}

std::vector<Operation> settlements(const std::vector<std::int64_t>& holds, std::int64_t jobs) {
  std::vector<Operation> ops;
  ops.reserve(static_cast<std::size_t>(jobs));
  for (std::int64_t j = 0; j < jobs; ++j) {
    const std::string job = message_of("job-", j);
    ops.push_back(SettleJob{"settle/" + job + "/1", 2, holds[static_cast<std::size_t>(j / 512)],
                            job, message_of("worker:w", j % 16), message_of("creator:c", j % 4)});
  }
  return ops;
}

// Where the ledger lives: a file under --dir, or a schema on the --postgres server.
struct Location {
  std::string server;  // the --postgres URI, or empty
  std::string path;    // the file, or the server URI with the schema on its search path
  std::string schema;

  // Empty again, as a new ledger finds it.
  void clear() const {
    if (server.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
      return;
    }
    auto db = storage::Database::open(server);
    if (!db) die("the PostgreSQL server", db.error());
    if (auto r = db->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
        !r)
      die("a fresh schema", r.error());
  }
  void remove() const {
    clear();
    if (!server.empty())
      if (auto db = storage::Database::open(server))
        (void)db->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
};

Rate settle_rate(const Location& at, std::size_t batch, std::int64_t jobs) {
  at.clear();
  const std::string& path = at.path;
  auto ledger = Ledger::open(path, bench_identity(), TreasuryConfig{});
  if (!ledger) die("open", ledger.error());
  const auto holds = open_holds(*ledger, jobs);
  const auto ops = settlements(holds, jobs);
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (std::size_t i = 0; i < ops.size(); i += batch) {
    const std::size_t n = std::min(batch, ops.size() - i);
    for (auto& r : ledger->apply_batch(std::span<const Operation>(ops).subspan(i, n)))
      if (!r) die("settle", r.error());
  }
  const double n = static_cast<double>(jobs);
  return {n / seconds_since(start), n / (cpu_seconds() - cpu_start)};
}

// The open holds as a coordinator's sweep reads them (open_holds_ordered_by) and as an operator's
// listing does (open_holds, which also reads what each still holds).
void open_holds_read(const Location& at, std::int64_t count) {
  at.clear();
  auto ledger = Ledger::open(at.path, bench_identity(), TreasuryConfig{});
  if (!ledger) die("open", ledger.error());
  const std::string mine(64, 'a'), other(64, 'b');
  std::vector<Operation> ops = {Deposit{"bench/deposit", 1, "user:bench", count * kMicrosPerUnit}};
  for (std::int64_t i = 0; i < count; ++i)
    ops.push_back(OpenHold{.key = message_of("bench/open/", i),
                           .at = 1,
                           .payer = "user:bench",
                           .request_id = message_of("open-", i),
                           .request = base_renders(1),
                           .coordinator = i % 2 ? other : mine});
  for (std::size_t i = 0; i < ops.size(); i += 4096)
    for (auto& r : ledger->apply_batch(std::span<const Operation>(ops).subspan(
             i, std::min<std::size_t>(4096, ops.size() - i))))
      if (!r) die("hold", r.error());
  auto start = Clock::now();
  auto swept = ledger->open_holds_ordered_by(mine);
  const double sweep_s = seconds_since(start);
  if (!swept) die("open holds", swept.error());
  start = Clock::now();
  auto listed = ledger->open_holds(mine);
  const double list_s = seconds_since(start);
  if (!listed) die("open holds", listed.error());
  std::printf(
      "open holds: %lld open, one coordinator's %zu read for its sweep in %.0f ms, listed with "
      "what each holds (ledger holds) in %.0f ms\n",
      static_cast<long long>(count), swept->size(), sweep_s * 1e3, list_s * 1e3);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::filesystem::temp_directory_path().string();
  std::string postgres;
  std::int64_t settle_jobs = 100'000, verify_entries = 200'000, open_hold_count = 100'000;
  std::vector<std::size_t> batches = {1, 64, 1024};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--postgres"))
      postgres = argv[i + 1];
    else if (!std::strcmp(argv[i], "--settlements"))
      settle_jobs = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--verify-entries"))
      verify_entries = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--open-holds"))
      open_hold_count = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch"))
      batches = {static_cast<std::size_t>(std::atoll(argv[i + 1]))};
    else {
      std::fprintf(
          stderr,
          "usage: bench_ledger [--dir DIR | --postgres URI] [--settlements N] [--verify-entries N] "
          "[--batch B] [--open-holds N]\n");
      return 2;
    }
  }
  Location at;
  if (postgres.empty()) {
    at.path = dir + message_of("/bench-ledger-", ::getpid()) + ".db";
  } else {
    at.server = postgres;
    at.schema = message_of("bench_ledger_", ::getpid());
    at.path = postgres + (postgres.find('?') == std::string::npos ? "?" : "&") +
              "options=-csearch_path%3D" + at.schema;
  }
  const std::string& path = at.path;

  // Signing alone bounds the rate: one Ed25519 signature per entry.
  {
    const Identity id = bench_identity();
    const Digest d{};
    const int n = 20'000;
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) (void)id.sign(std::span<const std::uint8_t>(d));
    std::printf("ed25519 sign: %.1f us per entry\n", seconds_since(start) / n * 1e6);
  }

  std::printf("settlements/s (one thread) in %s\n",
              postgres.empty() ? (dir + " (SQLite, WAL, synchronous=FULL)").c_str()
                               : (postgres + " (PostgreSQL, synchronous_commit=on)").c_str());
  for (std::size_t batch : batches) {
    // A commit per settlement is fsync-bound: fewer of them keep the run short.
    const std::int64_t jobs = batch == 1 ? std::min<std::int64_t>(settle_jobs, 5'000) : settle_jobs;
    const Rate rate = settle_rate(at, batch, jobs);
    std::printf(
        "  group commit %5zu: %8.0f settlements/s wall, %8.0f per CPU-second (%lld settlements)\n",
        batch, rate.wall, rate.cpu, static_cast<long long>(jobs));
    std::fflush(stdout);
  }

  if (open_hold_count > 0) open_holds_read(at, open_hold_count);

  // verify: a ledger of `verify_entries` settlements, checked from the database alone.
  at.clear();
  if (verify_entries <= 0) {
    at.remove();
    return 0;
  }
  {
    auto ledger = Ledger::open(path, bench_identity(), TreasuryConfig{});
    if (!ledger) die("open", ledger.error());
    const auto holds = open_holds(*ledger, verify_entries);
    const auto ops = settlements(holds, verify_entries);
    for (std::size_t i = 0; i < ops.size(); i += 4096)
      for (auto& r : ledger->apply_batch(std::span<const Operation>(ops).subspan(
               i, std::min<std::size_t>(4096, ops.size() - i))))
        if (!r) die("settle", r.error());
  }
  const auto start = Clock::now();
  auto report = verify_ledger(path, bench_identity().public_key());
  const double took = seconds_since(start);
  if (!report) die("verify", report.error());
  std::printf("verify: %llu entries in %.2f s = %.1f s per million entries%s\n",
              static_cast<unsigned long long>(report->entries), took,
              took / static_cast<double>(report->entries) * 1e6,
              report->entries < 1'000'000 ? " (extrapolated linearly)" : "");
  at.remove();
  return 0;
}
