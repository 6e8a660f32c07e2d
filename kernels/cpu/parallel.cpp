#include "kernels/cpu/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace seedgrid::kernels::cpu {
namespace {

// A pool that runs one parallel_for at a time; nested calls from inside a body run inline.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  void resize(int threads) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop_workers();
    threads_ = std::max(1, threads);
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  int size() const { return threads_; }

  void run(std::int64_t n, std::int64_t grain,
           const std::function<void(std::int64_t, std::int64_t)>& body) {
    if (n <= 0) return;
    grain = std::max<std::int64_t>(1, grain);
    const std::int64_t max_chunks = (n + grain - 1) / grain;
    if (threads_ == 1 || max_chunks == 1 || inside_body_) {
      body(0, n);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    const std::int64_t chunks = std::min<std::int64_t>(max_chunks, threads_ * 4);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      n_ = n;
      chunks_ = chunks;
      next_.store(0);
      done_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return done_ == chunks_; });
    body_ = nullptr;
  }

 private:
  Pool() { resize(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))); }
  ~Pool() { stop_workers(); }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stopping_ = false;
  }

  void work() {
    inside_body_ = true;
    for (;;) {
      const std::int64_t c = next_.fetch_add(1);
      if (c >= chunks_) break;
      const std::int64_t begin = n_ * c / chunks_, end = n_ * (c + 1) / chunks_;
      if (begin < end) (*body_)(begin, end);
      std::lock_guard<std::mutex> lock(mutex_);
      if (++done_ == chunks_) finished_.notify_all();
    }
    inside_body_ = false;
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (body_ == nullptr) continue;
      }
      work();
    }
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::vector<std::thread> workers_;
  int threads_ = 1;
  bool stopping_ = false;
  std::uint64_t generation_ = 0;
  const std::function<void(std::int64_t, std::int64_t)>* body_ = nullptr;
  std::int64_t n_ = 0, chunks_ = 0, done_ = 0;
  std::atomic<std::int64_t> next_{0};
  static thread_local bool inside_body_;
};

thread_local bool Pool::inside_body_ = false;

}  // namespace

void set_thread_count(int threads) { Pool::instance().resize(threads); }
int thread_count() { return Pool::instance().size(); }

void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& body) {
  Pool::instance().run(n, grain, body);
}

}  // namespace seedgrid::kernels::cpu
