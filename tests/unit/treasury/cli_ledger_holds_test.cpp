// `seedgrid ledger holds` through the real binary: the open holds an operator sees, per
// coordinator, against holds written with the ledger library (the CLI places none itself).
#include <gtest/gtest.h>

#include "actors/treasury/ledger.hpp"
#include "cli_run.hpp"
#include "ledger_fixture.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;

namespace {

using test::CliRun;
using test::contains;
using test::seedgrid_cli;

class LedgerHoldsCli : public test::LedgerFixture {
 protected:
  CliRun holds(const std::string& extra = "") {
    return seedgrid_cli("ledger holds --db '" + path + "' " + extra);
  }

  const std::string coordinator_a = test::identity_from(2).node_id();
  const std::string coordinator_b = test::identity_from(3).node_id();
};

// Three requests in flight under two coordinators and an older build, one more already released:
// the listing shows what each hold still holds, and its total is the conservation line's.
TEST_F(LedgerHoldsCli, ListsEachOpenHoldAndTotalsWhatTheConservationLineHolds) {
  {
    Ledger ledger = open();
    applied(ledger, Deposit{"buy", 10, "user:alice", test::units(100)});
    const std::int64_t r1 = applied(ledger, base_renders("r1", 3, 100, coordinator_a)).hold_id;
    applied(ledger, RefundJob{"refund/r1-0", 105, r1, "r1-0"});
    applied(ledger, base_renders("r2", 2, 110, coordinator_b));
    applied(ledger, base_renders("r0", 1, 120));  // as a build before protocol 2 ordered it
    const std::int64_t r3 = applied(ledger, base_renders("r3", 1, 130, coordinator_a)).hold_id;
    applied(ledger, ReleaseHold{"release/r3", 140, r3});
  }

  const CliRun all = holds();
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_TRUE(contains(all.output,
                       "request r1 payer user:alice: 1 of 3 jobs done, 2.000000 "
                       "credits held, placed at 100 by coordinator " +
                           coordinator_a))
      << all.output;
  EXPECT_TRUE(contains(all.output,
                       "request r2 payer user:alice: 0 of 2 jobs done, 2.000000 "
                       "credits held, placed at 110 by coordinator " +
                           coordinator_b))
      << all.output;
  EXPECT_TRUE(contains(all.output,
                       "request r0 payer user:alice: 0 of 1 jobs done, 1.000000 "
                       "credits held, placed at 120 by no coordinator named"))
      << all.output;
  EXPECT_FALSE(contains(all.output, "request r3")) << "a released hold is not open\n" << all.output;
  EXPECT_LT(all.output.find("request r1"), all.output.find("request r2")) << "oldest first";
  EXPECT_LT(all.output.find("request r2"), all.output.find("request r0")) << "oldest first";
  EXPECT_TRUE(contains(all.output, "3 open holds, 5.000000 credits held")) << all.output;

  const CliRun balance = seedgrid_cli("ledger balance --db '" + path + "'");
  ASSERT_EQ(balance.status, 0) << balance.output;
  EXPECT_TRUE(contains(balance.output, "+ holds 5.000000 +")) << balance.output;

  const CliRun of_a = holds("--coordinator " + coordinator_a);
  ASSERT_EQ(of_a.status, 0) << of_a.output;
  EXPECT_TRUE(contains(of_a.output, "request r1")) << of_a.output;
  EXPECT_FALSE(contains(of_a.output, "request r2")) << of_a.output;
  EXPECT_FALSE(contains(of_a.output, "request r0")) << of_a.output;
  EXPECT_TRUE(contains(of_a.output,
                       "1 open hold of coordinator " + coordinator_a + ", 2.000000 credits held"))
      << of_a.output;
}

TEST_F(LedgerHoldsCli, ALedgerWithNothingHeldSaysSo) {
  { Ledger ledger = open(); }
  const CliRun r = holds();
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "0 open holds, 0.000000 credits held")) << r.output;
}

TEST_F(LedgerHoldsCli, ACoordinatorThatIsNoNodeIdIsAUsageErrorNamingIt) {
  { Ledger ledger = open(); }
  const CliRun r = holds("--coordinator coordinator-1");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--coordinator 'coordinator-1' must be a coordinator's node id"))
      << r.output;
}

}  // namespace
