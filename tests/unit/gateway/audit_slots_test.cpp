// The audits a gateway runs at once: a few in all, one per user.
#include "runtime/gateway/audit_slots.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

TEST(AuditSlots, OneAuditPerUserAndAFewInAll) {
  AuditSlots slots(2);
  EXPECT_EQ(slots.take("alice"), "");
  EXPECT_NE(slots.take("alice").find("your previous audit is still running"), std::string::npos)
      << "alice waits for her own, not for others'";
  EXPECT_EQ(slots.take("bob"), "") << "bob is not held up by alice's audit";
  EXPECT_NE(slots.take("carol").find("runs 2 audit(s) at once"), std::string::npos);
  slots.release("alice");
  EXPECT_EQ(slots.take("carol"), "");
  EXPECT_NE(slots.take("alice"), "");
  slots.release("bob");
  EXPECT_EQ(slots.take("alice"), "");
}

TEST(AuditSlots, AtLeastOneRuns) {
  AuditSlots slots(0);
  EXPECT_EQ(slots.take("alice"), "");
}

}  // namespace
}  // namespace seedgrid::gateway
