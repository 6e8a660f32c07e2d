#pragma once
// A validator's own account of what it judged: one JSON line per verdict it signed, appended and
// synced before the verdict is sent (DATA_DIR/verdicts.jsonl, 0600). The operator can show what the
// validator said about a worker without trusting the coordinator, and tools read it instead of
// scraping log text, whose wording may change.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/protocol/audit.hpp"

namespace seedgrid::verify {

inline constexpr std::string_view kVerdictRecordFormat = "seedgrid/verdict-record/v1";

struct RecordedVerdict {
  std::string audit_id;
  std::string job_id;
  std::uint32_t attempt = 0;
  protocol::AuditPurpose purpose = protocol::AuditPurpose::sampled;
  PublicKey worker;
  PublicKey validator;
  protocol::AuditOutcome outcome = protocol::AuditOutcome::fail;
  std::string detail;
  std::string determinism_class;  // the validator's
};

class VerdictRecord {
 public:
  // Creates the file (0600) or opens it to append. A line torn by a crash during the last append is
  // cut off, so every line in the file stays a whole record.
  static Result<std::unique_ptr<VerdictRecord>> open(const std::string& path);
  ~VerdictRecord();
  VerdictRecord(const VerdictRecord&) = delete;
  VerdictRecord& operator=(const VerdictRecord&) = delete;

  Result<void> append(const protocol::Verdict& verdict);
  const std::string& path() const { return path_; }

 private:
  VerdictRecord(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

// Every record in the file, in the order they were written. Errors name the file and line.
Result<std::vector<RecordedVerdict>> read_verdict_record(const std::string& path);

}  // namespace seedgrid::verify
