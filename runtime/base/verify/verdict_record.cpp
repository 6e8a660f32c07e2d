#include "runtime/base/verify/verdict_record.hpp"

#include "runtime/base/files/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace seedgrid::verify {

namespace {

std::string record_line(const protocol::Verdict& v) {
  boost::json::object o;
  o["record"] = kVerdictRecordFormat;
  o["audit_id"] = v.audit_id;
  o["job_id"] = v.job_id;
  o["attempt"] = v.attempt;
  o["purpose"] = protocol::audit_purpose_name(v.purpose);
  o["worker"] = v.worker.hex();
  o["validator"] = v.validator.hex();
  o["outcome"] = protocol::audit_outcome_name(v.outcome);
  o["detail"] = v.detail;
  o["determinism_class"] = v.determinism_class;
  return boost::json::serialize(o) + "\n";
}

Result<RecordedVerdict> parse_line(std::string_view line, const std::string& where) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(line, ec);
  if (ec) return fail(where, ": not a verdict record (", ec.message(), ")");
  const boost::json::object* o = root.if_object();
  if (!o) return fail(where, ": not a verdict record (expected a JSON object)");
  auto text = [&](std::string_view key) -> Result<std::string> {
    const boost::json::value* v = o->if_contains(key);
    if (!v || !v->is_string()) return fail(where, ": $.", key, " must be a string");
    return std::string(v->get_string());
  };
  auto format = text("record");
  if (!format) return pass_on(format);
  if (*format != kVerdictRecordFormat)
    return fail(where, ": $.record is '", *format, "', this build reads ", kVerdictRecordFormat);
  RecordedVerdict r;
  for (auto [key, out] : {std::pair{"audit_id", &r.audit_id}, std::pair{"job_id", &r.job_id},
                          std::pair{"detail", &r.detail},
                          std::pair{"determinism_class", &r.determinism_class}}) {
    auto s = text(key);
    if (!s) return pass_on(s);
    *out = std::move(*s);
  }
  for (auto [key, out] : {std::pair{"worker", &r.worker}, std::pair{"validator", &r.validator}}) {
    auto s = text(key);
    if (!s) return pass_on(s);
    auto k = PublicKey::from_hex(*s);
    if (!k) return fail(where, ": $.", key, ": ", k.error().message);
    *out = *k;
  }
  auto outcome = text("outcome");
  if (!outcome) return pass_on(outcome);
  auto named = protocol::parse_audit_outcome(*outcome);
  if (!named) return fail(where, ": $.outcome is '", *outcome, "', expected pass, grey or fail");
  r.outcome = *named;
  auto purpose = text("purpose");
  if (!purpose) return pass_on(purpose);
  auto purpose_named = protocol::parse_audit_purpose(*purpose);
  if (!purpose_named)
    return fail(where, ": $.purpose is '", *purpose, "', expected sampled, referee or appeal");
  r.purpose = *purpose_named;
  const boost::json::value* attempt = o->if_contains("attempt");
  if (!attempt || !attempt->is_number()) return fail(where, ": $.attempt must be a number");
  auto n = attempt->to_number<std::uint32_t>(ec);
  if (ec) return fail(where, ": $.attempt must be an integer in 0..4294967295");
  r.attempt = n;
  return r;
}

// Cuts an unterminated last line (an append torn by a crash) so appends start on a line of their own.
Result<void> cut_torn_tail(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("cannot stat ", path, ": ", std::strerror(errno));
  off_t end = st.st_size;
  char c = '\n';
  while (end > 0) {
    if (::pread(fd, &c, 1, end - 1) != 1)
      return fail("cannot read ", path, ": ", std::strerror(errno));
    if (c == '\n') break;
    --end;
  }
  if (end == st.st_size) return {};
  if (::ftruncate(fd, end) != 0) return fail("cannot repair ", path, ": ", std::strerror(errno));
  return {};
}

}  // namespace

Result<std::unique_ptr<VerdictRecord>> VerdictRecord::open(const std::string& path) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create directory ", dir.string(), ": ", ec.message());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot open the verdict record ", path, ": ", std::strerror(errno));
  if (auto cut = cut_torn_tail(fd, path); !cut) {
    ::close(fd);
    return pass_on(cut);
  }
  return std::unique_ptr<VerdictRecord>(new VerdictRecord(path, fd));
}

VerdictRecord::~VerdictRecord() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> VerdictRecord::append(const protocol::Verdict& verdict) {
  const std::string line = record_line(verdict);
  // Appended (O_APPEND, resumed if cut short): a crash leaves at most a torn last line, which
  // open() cuts.
  if (!files::write_all(fd_, line.data(), line.size()) || ::fdatasync(fd_) != 0)
    return fail("cannot append verdict ", verdict.audit_id, " to ", path_, ": ",
                std::strerror(errno));
  return {};
}

Result<std::vector<RecordedVerdict>> read_verdict_record(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read the verdict record ", path, ": ", std::strerror(errno));
  std::vector<RecordedVerdict> out;
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    auto r = parse_line(line, path + ":" + std::to_string(number));
    if (!r) return pass_on(r);
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace seedgrid::verify
