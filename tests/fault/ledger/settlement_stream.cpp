// Runs a fixed stream of treasury operations against a ledger, as a treasury serving a busy
// coordinator would: deposits, then requests whose holds are opened one by one and whose jobs
// settle (or are cancelled or refunded) in group commits, releases, stakes, epoch closes and
// slashes.
//
//   ledger_settlement_stream DB BATCH_SEED
//
// The stream is the same on every run (fixed seed, times from the stream position, never the
// clock); BATCH_SEED only changes how it is cut into group commits. Re-running it resumes where a
// killed run stopped: everything already applied is replayed by its idempotency key and changes
// nothing. Prints "done SEQ HEAD" and exits 0 at the end; any operation rejected is a failure (exit
// 1).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "actors/treasury/ledger.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;

namespace {

constexpr int kUsers = 12, kWorkers = 6, kRequests = 600;

Identity treasury_identity() {
  std::array<std::uint8_t, 32> seed;
  seed.fill(0x5e);
  return Identity::from_seed(seed);
}

TreasuryConfig stream_config() {
  TreasuryConfig c;
  c.epoch_reward = 5'000 * kMicrosPerUnit;
  c.unbonding_seconds = 600;
  return c;
}

class Stream {
 public:
  Stream(Ledger& ledger, std::uint64_t batch_seed)
      : ledger_(ledger), cut_(batch_seed), reported_(ledger.head_seq()) {}

  bool run() {
    std::mt19937_64 rng(42);  // the stream itself: identical on every run
    for (int u = 0; u < kUsers; ++u)
      queue(Deposit{message_of("deposit/u", u), time(), user(u), 1'000 * kMicrosPerUnit});
    if (!flush()) return false;
    for (int r = 0; r < kRequests; ++r) {
      const int count = 1 + static_cast<int>(rng() % 4);
      const std::string request_id = message_of("req", r);
      OpenHold hold{"hold/" + request_id,
                    time(),
                    user(r % kUsers),
                    request_id,
                    {.base_render_millis = 43'200,
                     .steps = 20,
                     .width = 512,
                     .height = 512,
                     .tier = r % 3 ? Tier::fast : Tier::relaxed,
                     .count = count}};
      // The hold stands alone: its receipt names the hold its jobs settle from.
      if (!flush()) return false;
      auto opened = ledger_.apply(hold);
      if (!opened) return failed(key_of(hold), opened.error());
      committed();
      const std::int64_t h = opened->hold_id;
      for (int j = 0; j < count; ++j) {
        const std::string job = request_id + message_of("/", j);
        const std::string worker = message_of("worker:w", (r + j) % kWorkers);
        const std::uint64_t fate = rng() % 10;
        if (fate < 7)
          queue(SettleJob{"settle/" + job + "/1", time(), h, job, worker,
                          message_of("creator:c", r % 3)});
        else if (fate < 9)
          queue(PayCancelledJob{"cancel/" + job, time(), h, job, worker, "",
                                static_cast<int>(rng() % 20)});
        else
          queue(RefundJob{"refund/" + job + "/3", time(), h, job});
        if (fate == 0 && r > 40)  // an audit fails now and then: slash the worker of a settled job
          queue(Slash{"slash/" + job, time(), "verdict/" + job, worker,
                      message_of("validator:v", r % 2), h, job});
      }
      queue(ReleaseHold{"release/" + request_id, time(), h});
      if (r % 20 == 19) close_epoch(r / 20);
      if (r % 20 == 0 && r > 0)
        for (int w = 0; w < kWorkers; w += 2)
          queue(Stake{message_of("stake/", r) + message_of("/w", w), time(),
                      message_of("worker:w", w), 200 * kMicrosPerUnit});
      if (r % 60 == 30)
        queue(Unstake{message_of("unstake/", r), time(), "worker:w0", 100 * kMicrosPerUnit});
    }
    return flush();
  }

 private:
  static std::string user(int u) { return message_of("user:u", u); }
  std::int64_t time() { return 1'700'000'000 + 7 * static_cast<std::int64_t>(position_++); }

  void close_epoch(int epoch) {
    CloseEpoch e{message_of("epoch/", epoch), time(), epoch, {}, {}};
    for (int w = 0; w < kWorkers; ++w)
      e.workers.push_back({message_of("worker:w", w), 800 + 100 * w, 3'600 - 60 * epoch});
    for (int c = 0; c < 3; ++c)
      e.models.push_back({message_of("model", c), message_of("creator:c", c), 10'000 * (c + 1)});
    queue(std::move(e));
  }

  // Operations wait in a group commit whose size the batch seed draws (1 to 64).
  void queue(Operation op) {
    pending_.push_back(std::move(op));
    if (pending_.size() >= batch_size_) (void)flush();
  }

  bool flush() {
    if (pending_.empty()) return true;
    const auto results = ledger_.apply_batch(pending_);
    for (std::size_t i = 0; i < results.size(); ++i)
      if (!results[i]) return failed(key_of(pending_[i]), results[i].error());
    committed();
    pending_.clear();
    batch_size_ = 1 + cut_() % 64;
    return !broken_;
  }

  void committed() {
    if (ledger_.head_seq() == reported_) return;
    reported_ = ledger_.head_seq();
    std::printf("committed %llu\n", static_cast<unsigned long long>(reported_));
    std::fflush(stdout);
  }

  bool failed(const std::string& key, const Error& e) {
    std::fprintf(stderr, "ledger_settlement_stream: operation %s rejected: %s\n", key.c_str(),
                 e.message.c_str());
    broken_ = true;
    return false;
  }

  Ledger& ledger_;
  std::mt19937_64 cut_;
  std::vector<Operation> pending_;
  std::size_t batch_size_ = 1;
  std::uint64_t position_ = 0;
  std::uint64_t reported_ = 0;
  bool broken_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ledger_settlement_stream DB BATCH_SEED\n");
    return 2;
  }
  auto ledger = Ledger::open(argv[1], treasury_identity(), stream_config());
  if (!ledger) {
    std::fprintf(stderr, "ledger_settlement_stream: %s\n", ledger.error().message.c_str());
    return 1;
  }
  Stream stream(*ledger, std::strtoull(argv[2], nullptr, 10));
  if (!stream.run()) return 1;
  std::printf("done %llu %s\n", static_cast<unsigned long long>(ledger->head_seq()),
              to_hex(ledger->head_hash()).c_str());
  return 0;
}
