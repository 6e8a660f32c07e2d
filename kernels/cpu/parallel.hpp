#pragma once
// Splits [0, n) into contiguous chunks run on a fixed pool of threads. Each index is handled by
// exactly one call, so a kernel that reduces within an index stays deterministic for any thread
// count; chunking never changes what an index computes.
#include <cstdint>
#include <functional>

namespace seedgrid::kernels::cpu {

// Threads used by parallel_for when no ThreadCountScope is active (default: hardware
// concurrency; 1 disables threading).
void set_thread_count(int threads);
// Threads parallel_for uses on the calling thread now: the innermost scope, else the default;
// 1 inside a parallel_for body.
int thread_count();

// While alive, parallel_for calls made on this thread use `threads` threads (0 keeps the current
// count). Lets two backends with different thread counts share the one pool.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads);
  ~ThreadCountScope();
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int previous_;
};

// While alive, parallel_for calls made on this thread stop starting ranges once `*stop` returns
// true, so a cancel ends an op that takes minutes (a large attention) within a fraction of it. An
// op stopped that way leaves its output partly computed: its caller must ask `*stop` itself after
// the op and discard what it returned. `*stop` is called from the pool's threads, so it must be
// safe to call concurrently (an atomic load), and once true it must stay true for the scope.
class StopScope {
 public:
  explicit StopScope(const std::function<bool()>* stop);
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;

 private:
  const std::function<bool()>* previous_;
};

// Calls body(begin, end) over disjoint ranges covering [0, n). Ranges hold at least `grain`
// indices (or all n when n < grain). Returns when every range is done. A call from inside a body
// runs inline; calls from different threads take turns on the pool.
void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t begin, std::int64_t end)>& body);

}  // namespace seedgrid::kernels::cpu
