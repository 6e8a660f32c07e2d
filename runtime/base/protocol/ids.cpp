#include "runtime/base/protocol/ids.hpp"

namespace seedgrid::protocol {

namespace {

// "<head><separator><digits>", split at the last separator.
std::optional<std::pair<std::string_view, std::uint32_t>> split_number(std::string_view text,
                                                                       char separator) {
  const auto at = text.rfind(separator);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = text.substr(at + 1);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return std::pair{text.substr(0, at), n};
}

}  // namespace

std::string JobId::str() const { return request_id + "/" + std::to_string(index); }

std::optional<JobId> JobId::parse(std::string_view text) {
  auto split = split_number(text, '/');
  if (!split) return std::nullopt;
  return JobId{std::string(split->first), split->second};
}

std::string AuditId::str() const { return job_id + "#" + std::to_string(attempt); }

std::optional<AuditId> AuditId::parse(std::string_view text) {
  auto split = split_number(text, '#');
  if (!split) return std::nullopt;
  return AuditId{std::string(split->first), split->second};
}

}  // namespace seedgrid::protocol
