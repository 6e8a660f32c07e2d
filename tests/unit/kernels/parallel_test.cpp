#include "kernels/cpu/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <new>
#include <thread>
#include <vector>

namespace seedgrid::kernels::cpu {
namespace {

// Every index in [0, n) is visited exactly once, in ranges of at least `grain` (or all of n).
void expect_exact_cover(std::int64_t n, std::int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
  std::atomic<bool> short_range{false};
  parallel_for(n, grain, [&](std::int64_t begin, std::int64_t end) {
    if (end - begin < std::min(grain, n)) short_range = true;
    for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i)
      hits[i]++;
  });
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
  EXPECT_FALSE(short_range.load());
}

TEST(ParallelFor, CoversEachIndexOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadCountScope scope(threads);
    EXPECT_EQ(thread_count(), threads);
    for (std::int64_t n : {0, 1, 5, 64, 1001})
      for (std::int64_t grain : {1, 3, 100}) expect_exact_cover(n, grain);
  }
}

TEST(ParallelFor, AnExceptionInAChunkReachesTheCallerAndThePoolGoesOn) {
  ThreadCountScope scope(4);
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ran{0};
    // Thrown by whichever thread runs the chunk holding index 700: a pool thread most of the time.
    EXPECT_THROW(parallel_for(1000, 10,
                              [&](std::int64_t begin, std::int64_t end) {
                                ++ran;
                                if (begin <= 700 && 700 < end) throw std::bad_alloc();
                              }),
                 std::bad_alloc);
    EXPECT_EQ(ran.load(), 16) << "the other chunks still ran";  // 4 threads x 4 chunks
    expect_exact_cover(1001, 3);
  }
}

TEST(ParallelFor, ScopesNestAndRestore) {
  const int outer = thread_count();
  {
    ThreadCountScope a(3);
    {
      ThreadCountScope b(0);  // keeps 3
      EXPECT_EQ(thread_count(), 3);
      ThreadCountScope c(1);
      EXPECT_EQ(thread_count(), 1);
    }
    EXPECT_EQ(thread_count(), 3);
  }
  EXPECT_EQ(thread_count(), outer);
}

TEST(ParallelFor, NestedCallsRunInlineWithOneThread) {
  ThreadCountScope scope(4);
  std::atomic<int> inner_total{0};
  std::atomic<bool> saw_more_than_one{false};
  parallel_for(8, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      if (thread_count() != 1) saw_more_than_one = true;
      const auto caller = std::this_thread::get_id();
      parallel_for(10, 1, [&](std::int64_t b, std::int64_t e) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        inner_total += static_cast<int>(e - b);
      });
    }
  });
  EXPECT_EQ(inner_total.load(), 80);
  EXPECT_FALSE(saw_more_than_one.load());
}

TEST(ParallelFor, CallsFromSeveralThreadsTakeTurns) {
  std::atomic<std::int64_t> total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      ThreadCountScope scope(1 + t % 3);
      for (int round = 0; round < 50; ++round)
        parallel_for(300, 7, [&](std::int64_t begin, std::int64_t end) { total += end - begin; });
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(total.load(), 4 * 50 * 300);
}

// A stop raised inside a range leaves the ranges not yet begun unrun, on the pool and inline.
TEST(ParallelFor, AStopScopeEndsTheOpAtTheNextRange) {
  for (int threads : {1, 4}) {
    ThreadCountScope scope(threads);
    std::atomic<bool> stop_flag{false};
    const std::function<bool()> stop = [&] { return stop_flag.load(); };
    StopScope stoppable(&stop);
    std::atomic<int> ranges{0};
    parallel_for(1000, 1, [&](std::int64_t, std::int64_t) {
      ++ranges;
      stop_flag = true;
    });
    // Each thread may have begun one range before it saw the stop.
    EXPECT_GE(ranges.load(), 1) << threads << " thread(s)";
    EXPECT_LE(ranges.load(), threads) << threads << " thread(s)";
    ranges = 0;
    parallel_for(1000, 1, [&](std::int64_t, std::int64_t) { ++ranges; });
    EXPECT_EQ(ranges.load(), 0) << "an op called after the stop runs nothing";
  }
}

TEST(ParallelFor, WithoutAStopScopeOrOnceItEndsEveryIndexRuns) {
  const std::function<bool()> always = [] { return true; };
  {
    StopScope stoppable(&always);
    {
      StopScope cleared(nullptr);
      expect_exact_cover(1001, 3);
    }
  }
  for (int threads : {1, 4}) {
    ThreadCountScope scope(threads);
    expect_exact_cover(1001, 3);
  }
}

// A stop that never fires changes nothing: a stoppable op still covers every index once.
TEST(ParallelFor, AStopThatNeverFiresCoversEveryIndex) {
  const std::function<bool()> never = [] { return false; };
  StopScope stoppable(&never);
  for (int threads : {1, 2, 4}) {
    ThreadCountScope scope(threads);
    for (std::int64_t n : {1, 5, 1001}) expect_exact_cover(n, 3);
  }
}

}  // namespace
}  // namespace seedgrid::kernels::cpu
