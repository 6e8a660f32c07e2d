#include "kernels/cpu/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace seedgrid::kernels::cpu {
namespace {

thread_local int scoped_threads = 0;  // 0: no ThreadCountScope active on this thread
thread_local bool inside_body = false;
thread_local const std::function<bool()>* stop_request = nullptr;  // the innermost StopScope's

// The most ranges a stoppable op runs in on one thread: enough to stop within an eighth of it.
constexpr std::int64_t kStoppableInlineRanges = 8;

bool stopped(const std::function<bool()>* stop) { return stop != nullptr && *stop && (*stop)(); }

// A pool that runs one parallel_for at a time. It grows to the largest thread count asked for;
// a call using fewer threads lets only that many workers join.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  void set_default(int threads) { default_threads_.store(std::max(1, threads)); }
  int default_threads() const { return default_threads_.load(); }

  void run(std::int64_t n, std::int64_t grain, int threads,
           const std::function<void(std::int64_t, std::int64_t)>& body) {
    if (n <= 0) return;
    grain = std::max<std::int64_t>(1, grain);
    // Chunks of n·c/chunks .. n·(c+1)/chunks hold at least floor(n / chunks) >= grain indices.
    const std::int64_t max_chunks = std::max<std::int64_t>(1, n / grain);
    // A nested call belongs to a range its outer call already started.
    const std::function<bool()>* stop = inside_body ? nullptr : stop_request;
    if (stopped(stop)) return;
    if (threads <= 1 || max_chunks == 1 || inside_body) {
      // Ranges change nothing an index computes, so a stoppable op may take more than one.
      const std::int64_t ranges = stop ? std::min(max_chunks, kStoppableInlineRanges) : 1;
      for (std::int64_t c = 0; c < ranges; ++c) {
        if (c > 0 && stopped(stop)) return;
        body(n * c / ranges, n * (c + 1) / ranges);
      }
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    grow(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      stop_ = stop;
      n_ = n;
      chunks_ = std::min<std::int64_t>(max_chunks, std::int64_t{threads} * 4);
      next_.store(0);
      failure_ = nullptr;
      done_ = 0;
      joined_ = 0;
      allowed_ = threads - 1;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    // Waiting for the workers to leave work() too means none still reads this job's fields when
    // the next job overwrites them.
    finished_.wait(lock, [&] { return done_ == chunks_ && active_ == 0; });
    body_ = nullptr;
    // Thrown on the caller's thread, where the op's caller can catch it (an allocation that failed
    // in a chunk must not terminate the process from a pool thread).
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  Pool() { set_default(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))); }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  void grow(int workers) {
    while (static_cast<int>(workers_.size()) < workers)
      workers_.emplace_back([this] { worker_loop(); });
  }

  void work() {
    inside_body = true;
    for (;;) {
      const std::int64_t c = next_.fetch_add(1);
      if (c >= chunks_) break;
      const std::int64_t begin = n_ * c / chunks_, end = n_ * (c + 1) / chunks_;
      std::exception_ptr failure;
      if (begin < end && !stopped(stop_)) {
        try {
          (*body_)(begin, end);
        } catch (...) {
          failure = std::current_exception();
        }
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (failure && !failure_) failure_ = failure;
      if (++done_ == chunks_) finished_.notify_all();
    }
    inside_body = false;
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (body_ == nullptr || joined_ >= allowed_) continue;
      ++joined_;
      ++active_;
      lock.unlock();
      work();
      lock.lock();
      if (--active_ == 0 && done_ == chunks_) finished_.notify_all();
    }
  }

  std::atomic<int> default_threads_{1};
  std::mutex run_mutex_;  // held for a whole run: one job at a time
  std::mutex mutex_;      // guards the job fields below
  std::condition_variable wake_, finished_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  std::uint64_t generation_ = 0;
  const std::function<void(std::int64_t, std::int64_t)>* body_ = nullptr;
  const std::function<bool()>* stop_ = nullptr;  // the caller's StopScope, read before each range
  std::int64_t n_ = 0, chunks_ = 0, done_ = 0;
  std::exception_ptr failure_;  // the first exception a chunk threw; the remaining chunks still run
  int joined_ = 0, allowed_ = 0, active_ = 0;
  std::atomic<std::int64_t> next_{0};
};

}  // namespace

void set_thread_count(int threads) { Pool::instance().set_default(threads); }

int thread_count() {
  if (inside_body) return 1;  // a nested parallel_for runs inline
  return scoped_threads > 0 ? scoped_threads : Pool::instance().default_threads();
}

ThreadCountScope::ThreadCountScope(int threads) : previous_(scoped_threads) {
  if (threads > 0) scoped_threads = threads;
}

ThreadCountScope::~ThreadCountScope() { scoped_threads = previous_; }

StopScope::StopScope(const std::function<bool()>* stop) : previous_(stop_request) {
  stop_request = stop;
}

StopScope::~StopScope() { stop_request = previous_; }

void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& body) {
  Pool::instance().run(n, grain, thread_count(), body);
}

}  // namespace seedgrid::kernels::cpu
