// The validator's record of its verdicts: what is appended reads back field for field and in
// order, survives reopening, a line torn by a crash is cut so later records stay readable, the
// file is the owner's alone, and a damaged line is named by file and line.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "runtime/base/verify/verdict_record.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;

namespace {

PublicKey key_of(std::uint8_t fill) {
  PublicKey k;
  k.bytes.fill(fill);
  return k;
}

protocol::Verdict verdict(std::string audit_id, protocol::AuditOutcome outcome,
                          protocol::AuditPurpose purpose) {
  protocol::Verdict v;
  v.audit_id = std::move(audit_id);
  v.job_id = "req-7/3";
  v.attempt = 2;
  v.worker = key_of(0x11);
  v.validator = key_of(0x22);
  v.outcome = outcome;
  v.purpose = purpose;
  v.detail = "step 4: leaf differs";
  v.determinism_class = "cpu-f32";
  return v;
}

class VerdictRecordTest : public ::testing::Test {
 protected:
  std::unique_ptr<verify::VerdictRecord> open() {
    auto r = verify::VerdictRecord::open(file);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
  std::vector<verify::RecordedVerdict> read() {
    auto r = verify::read_verdict_record(file);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<verify::RecordedVerdict>{};
  }

  const test::TestDir dir;
  const std::string file = dir / "sub/verdicts.jsonl";
};

TEST_F(VerdictRecordTest, AppendedVerdictsReadBackInOrderAfterReopening) {
  {
    auto record = open();
    ASSERT_TRUE(record);
    ASSERT_TRUE(record->append(verdict("a1", protocol::AuditOutcome::grey, protocol::AuditPurpose::sampled)));
  }
  {
    auto record = open();
    ASSERT_TRUE(record);
    ASSERT_TRUE(record->append(verdict("a2", protocol::AuditOutcome::fail, protocol::AuditPurpose::referee)));
  }
  const auto got = read();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].audit_id, "a1");
  EXPECT_EQ(got[0].outcome, protocol::AuditOutcome::grey);
  EXPECT_EQ(got[0].purpose, protocol::AuditPurpose::sampled);
  EXPECT_EQ(got[1].audit_id, "a2");
  EXPECT_EQ(got[1].outcome, protocol::AuditOutcome::fail);
  EXPECT_EQ(got[1].purpose, protocol::AuditPurpose::referee);
  EXPECT_EQ(got[1].job_id, "req-7/3");
  EXPECT_EQ(got[1].attempt, 2u);
  EXPECT_EQ(got[1].worker, key_of(0x11));
  EXPECT_EQ(got[1].validator, key_of(0x22));
  EXPECT_EQ(got[1].detail, "step 4: leaf differs");
  EXPECT_EQ(got[1].determinism_class, "cpu-f32");
}

TEST_F(VerdictRecordTest, TheFileIsTheOwnersAlone) {
  auto record = open();
  ASSERT_TRUE(record);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(VerdictRecordTest, ALineTornByACrashIsCutOnReopening) {
  {
    auto record = open();
    ASSERT_TRUE(record);
    ASSERT_TRUE(record->append(verdict("a1", protocol::AuditOutcome::pass, protocol::AuditPurpose::sampled)));
  }
  {
    std::ofstream torn(file, std::ios::app);
    torn << R"({"record":"seedgrid/verdict-record/v1","audit_id":"a2)";
  }
  auto record = open();
  ASSERT_TRUE(record);
  ASSERT_TRUE(record->append(verdict("a3", protocol::AuditOutcome::fail, protocol::AuditPurpose::appeal)));
  const auto got = read();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].audit_id, "a1");
  EXPECT_EQ(got[1].audit_id, "a3");
}

TEST_F(VerdictRecordTest, ADamagedLineIsNamedByFileAndLine) {
  {
    auto record = open();
    ASSERT_TRUE(record);
    ASSERT_TRUE(record->append(verdict("a1", protocol::AuditOutcome::pass, protocol::AuditPurpose::sampled)));
  }
  {
    std::ofstream out(file, std::ios::app);
    out << R"({"record":"seedgrid/verdict-record/v1","audit_id":"a2","job_id":"j","attempt":0,)"
           R"("purpose":"sampled","worker":")"
        << key_of(1).hex() << R"(","validator":")" << key_of(2).hex()
        << R"(","outcome":"maybe","detail":"","determinism_class":"cpu-f32"})"
        << "\n";
  }
  auto got = verify::read_verdict_record(file);
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find("verdicts.jsonl:2"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("'maybe'"), std::string::npos) << got.error().message;
}

TEST_F(VerdictRecordTest, AMissingRecordIsAnErrorNamingThePath) {
  auto got = verify::read_verdict_record(dir / "none.jsonl");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find("none.jsonl"), std::string::npos);
}

}  // namespace
