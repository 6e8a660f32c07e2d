#include "runtime/base/storage/background_writer.hpp"

#include <utility>

#include "runtime/base/storage/engine.hpp"

namespace seedgrid::storage {

BackgroundWriter::BackgroundWriter(engine::Connection& connection)
    : connection_(connection), thread_([this] { loop(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void BoundValues::bind_to(engine::Query& q) const {
  for (const BoundValue& v : values) {
    switch (v.kind) {
      case BoundValue::Kind::null:
        q.bind_null(v.index);
        break;
      case BoundValue::Kind::integer:
        q.bind_int64(v.index, v.integer);
        break;
      case BoundValue::Kind::text:
        q.bind_text(v.index, std::string_view(bytes).substr(v.start, v.size));
        break;
      case BoundValue::Kind::blob:
        q.bind_blob(v.index,
                    {reinterpret_cast<const std::uint8_t*>(bytes.data()) + v.start, v.size});
        break;
    }
  }
}

BoundValues BackgroundWriter::run(engine::Query& query, BoundValues values, AfterRun after) {
  BoundValues spare;
  push(Run{&query, std::move(values), std::move(after)}, false, &spare);
  return spare;
}

void BackgroundWriter::exec(std::string sql) { push(Exec{std::move(sql)}); }

void BackgroundWriter::task(QueuedTask task, TaskOutcome outcome, bool wake) {
  push(Task{std::move(task), std::move(outcome)}, wake);
}

namespace {

// A sleeping writer is woken once this many writes wait: a wake for each write cost a system call
// and a switch of threads per statement. A writer that is awake takes whatever has gathered when
// it finishes a batch, and what is left when the owner waits, the owner runs itself.
constexpr std::size_t kWakeAt = 32;
// Emptied buffers kept for the next runs: enough for a commit's worth of writes (the coordinator
// writes four a job, and one commit of the dispatch bench holds hundreds of jobs; with 256 the
// spares ran out and a run's buffers were 7 % of the coordinator's thread, bench/RESULTS.md). A
// buffer that held an image (an input image's row) is let go: at most 2,048 x 8 KiB are kept.
constexpr std::size_t kSpareBuffers = 2048;
constexpr std::size_t kLargestSpareBytes = 8 << 10;

}  // namespace

void BackgroundWriter::push(Item item, bool wake, BoundValues* spare) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(item));
  if (wake || queue_.size() == kWakeAt) work_.notify_one();
  if (spare && !spare_.empty()) {
    *spare = std::move(spare_.back());
    spare_.pop_back();
  }
}

// Waking the writer and sleeping until it is done would cost two switches of threads each time
// (at every commit): once the writer's batch in progress is done, the owner runs the rest itself.
// Only the owner queues, and it is the one waiting, so nothing is queued meanwhile.
void BackgroundWriter::wait() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return !busy_; });
  while (!queue_.empty()) run_batch(lock);
}

Result<void> BackgroundWriter::drain() {
  wait();
  std::lock_guard lock(mutex_);
  if (failed_) return std::unexpected(*failed_);
  return {};
}

void BackgroundWriter::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || (!queue_.empty() && !busy_); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    run_batch(lock);
  }
}

// Takes what is queued as one batch, so the lock is taken once per batch rather than per write.
void BackgroundWriter::run_batch(std::unique_lock<std::mutex>& lock) {
  batch_.swap(queue_);  // the queue takes the last batch's emptied vector, and its capacity
  busy_ = true;
  std::optional<Error> failure = failed_;
  lock.unlock();
  emptied_.clear();  // the last batch's buffers the spares had no room for: freed outside the lock
  for (Item& item : batch_) {
    if (!failure) {
      if (auto r = apply(item); !r) failure = std::move(r.error());
    } else if (auto* t = std::get_if<Task>(&item)) {
      t->outcome(std::unexpected(*failure));  // skipped: told why
    }
    if (auto* run = std::get_if<Run>(&item); run && emptied_.size() < kSpareBuffers &&
                                             run->values.bytes.capacity() <= kLargestSpareBytes) {
      run->values.values.clear();
      run->values.bytes.clear();
      emptied_.push_back(std::move(run->values));
    }
  }
  batch_.clear();  // the callbacks and values go outside the lock
  lock.lock();
  for (auto& values : emptied_) {
    if (spare_.size() >= kSpareBuffers) break;
    spare_.push_back(std::move(values));
  }
  busy_ = false;
  if (failure && !failed_) failed_ = std::move(failure);
  idle_.notify_all();
}

Result<void> BackgroundWriter::apply(Item& item) {
  if (auto* e = std::get_if<Exec>(&item)) return connection_.exec(e->sql);
  if (auto* t = std::get_if<Task>(&item)) {
    InPlace in_place(connection_);
    Result<void> r = t->task(in_place);
    t->outcome(r);
    return r;
  }
  Run& run = std::get<Run>(item);
  engine::Query& q = *run.query;
  run.values.bind_to(q);
  for (;;) {
    auto row = q.step();
    if (!row) {
      q.reset();
      return pass_on(row);
    }
    if (!*row) break;
  }
  q.reset();
  if (run.after) run.after(connection_.changes());
  return {};
}

}  // namespace seedgrid::storage
