#include "runtime/base/storage/wal_checkpointer.hpp"

#include <utility>

namespace seedgrid::storage::engine {

WalCheckpointer::WalCheckpointer(std::string file, std::uint32_t threshold_pages)
    : file_(std::move(file)), threshold_(threshold_pages == 0 ? 1 : threshold_pages) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (own_ != nullptr) sqlite3_close_v2(own_);
}

void WalCheckpointer::watch(sqlite3* writer) { sqlite3_wal_hook(writer, &on_commit, this); }

CheckpointCounts WalCheckpointer::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

// Runs on the writer's thread after each commit, with the WAL's length in pages. Installing it
// replaces SQLite's automatic checkpoint (which is itself a WAL hook).
int WalCheckpointer::on_commit(void* self, sqlite3* writer, const char* schema, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  const auto length = static_cast<std::uint32_t>(pages < 0 ? 0 : pages);
  if (length >= 4 * c->threshold_) {
    // A failure is left to the next commit, as SQLite's own hook does: an error returned here
    // would report a failure for a commit that has happened.
    if (sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
        SQLITE_OK) {
      std::lock_guard lock(c->mu_);
      ++c->counts_.by_writer;
    }
  } else if (length >= c->threshold_) {
    c->request();
  }
  return SQLITE_OK;
}

void WalCheckpointer::request() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    wanted_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

void WalCheckpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void WalCheckpointer::checkpoint() {
  if (own_ == nullptr) {
    // No busy wait: a PASSIVE checkpoint takes no lock the writer holds, and one blocked by
    // another checkpointer (the CLI's, a restart's) is tried again at the next request.
    if (sqlite3_open_v2(file_.c_str(), &own_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK ||
        sqlite3_exec(own_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(own_);
      own_ = nullptr;
      return;  // the writer's own checkpoint at four times the threshold still bounds the WAL
    }
  }
  if (sqlite3_wal_checkpoint_v2(own_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
      SQLITE_OK) {
    std::lock_guard lock(mu_);
    ++counts_.in_background;
  }
}

}  // namespace seedgrid::storage::engine
