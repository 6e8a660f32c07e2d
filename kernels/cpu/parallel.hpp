#pragma once
// Splits [0, n) into contiguous chunks run on a fixed pool of threads. Each index is handled by
// exactly one call, so a kernel that reduces within an index stays deterministic for any thread
// count; chunking never changes what an index computes.
#include <cstdint>
#include <functional>

namespace seedgrid::kernels::cpu {

// Threads used by parallel_for (default: hardware concurrency; 1 disables threading).
void set_thread_count(int threads);
int thread_count();

// Calls body(begin, end) over disjoint ranges covering [0, n). Ranges hold at least `grain`
// indices (except the last). Returns when every range is done.
void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t begin, std::int64_t end)>& body);

}  // namespace seedgrid::kernels::cpu
