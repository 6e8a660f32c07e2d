#include "runtime/base/protocol/ids.hpp"

#include <gtest/gtest.h>

#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/job.hpp"

namespace seedgrid::protocol {
namespace {

TEST(Ids, AJobIdReadsBackAsTheRequestAndIndexItWasMadeFrom) {
  const std::string text = job_id_of("user/batch-7", 12);
  EXPECT_EQ(text, "user/batch-7/12");
  const auto id = JobId::parse(text);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->request_id, "user/batch-7") << "the last '/' splits";
  EXPECT_EQ(id->index, 12u);
  EXPECT_EQ(id->str(), text);
}

TEST(Ids, AnAuditIdReadsBackAsTheJobAndAttempt) {
  const std::string text = audit_id_of("r1/0", 3);
  EXPECT_EQ(text, "r1/0#3");
  const auto id = AuditId::parse(text);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->job_id, "r1/0");
  EXPECT_EQ(id->attempt, 3u);
  EXPECT_EQ(JobId::parse(id->job_id)->index, 0u);
}

TEST(Ids, MalformedIdsAreRefused) {
  for (const char* bad : {"r1", "r1/", "r1/x", "r1/-1", "r1/1234567890", "r1/1 "})
    EXPECT_FALSE(JobId::parse(bad)) << bad;
  for (const char* bad : {"r1/0", "r1/0#", "r1/0#a"}) EXPECT_FALSE(AuditId::parse(bad)) << bad;
}

}  // namespace
}  // namespace seedgrid::protocol
