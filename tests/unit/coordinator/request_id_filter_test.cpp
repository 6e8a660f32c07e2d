// RequestIdFilter: which request ids the journal may hold, without reading it.
#include "actors/coordinator/request_id_filter.hpp"

#include <gtest/gtest.h>

#include <string>

using seedgrid::coordinator::RequestIdFilter;

namespace {

std::string id_of(const char* prefix, int i) { return prefix + std::to_string(i); }

TEST(RequestIdFilter, HoldsNothingAtFirst) {
  const RequestIdFilter filter;
  EXPECT_FALSE(filter.may_hold("r-1"));
  EXPECT_FALSE(filter.may_hold(""));
}

// "No" must be certain, also once the first layers are full (65,536 and 262,144 ids): a missed
// id would let a client reuse a done request's id and overwrite its record.
TEST(RequestIdFilter, NeverSaysNoForAnIdItWasGivenAndRarelyYesForOthers) {
  RequestIdFilter filter;
  constexpr int kIds = 400'000;
  for (int i = 0; i < kIds; ++i) filter.add(id_of("request-", i));
  EXPECT_EQ(filter.ids_added(), static_cast<std::size_t>(kIds));
  for (int i = 0; i < kIds; ++i)
    ASSERT_TRUE(filter.may_hold(id_of("request-", i))) << "lost " << id_of("request-", i);
  int maybe = 0;
  constexpr int kOthers = 200'000;
  for (int i = 0; i < kOthers; ++i) maybe += filter.may_hold(id_of("other-", i)) ? 1 : 0;
  // Three layers, each ~0.8 % when full: a new id reads the journal about once in forty at most.
  EXPECT_LT(maybe, kOthers / 40) << maybe << " of " << kOthers << " new ids would be read";
  EXPECT_GT(maybe, 0) << "a filter that never says maybe for a new id is not a Bloom filter";
}

}  // namespace
