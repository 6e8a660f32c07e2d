#pragma once
// The names of jobs and audits, formatted and parsed here only:
//   job id    "<request id>/<index>"  (a request id may contain '/': the last one splits)
//   audit id  "<job id>#<attempt>"
// They name ledger keys, journal rows and messages, so their text is part of the protocol.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seedgrid::protocol {

struct JobId {
  std::string request_id;
  std::uint32_t index = 0;

  std::string str() const;
  // Nothing when `text` is not "<request id>/<index>" with a decimal index of 1 to 9 digits.
  static std::optional<JobId> parse(std::string_view text);
  bool operator==(const JobId&) const = default;
};

struct AuditId {
  std::string job_id;
  std::uint32_t attempt = 0;

  std::string str() const;
  // Nothing when `text` is not "<job id>#<attempt>" with a decimal attempt of 1 to 9 digits.
  static std::optional<AuditId> parse(std::string_view text);
  bool operator==(const AuditId&) const = default;
};

}  // namespace seedgrid::protocol
