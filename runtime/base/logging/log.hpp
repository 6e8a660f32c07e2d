#pragma once
// Logging: spdlog, one logger per actor role ("coordinator", "worker", "validator", "treasury",
// "node", "client"), all writing to one sink (standard error or a file) at one level. Prompts,
// negative prompts and pixels are never logged: log job ids, hashes and node ids instead.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace spdlog {
class logger;
}

namespace seedgrid::logging {

// Size-based rotation of a log file: past max_bytes (0: never) FILE becomes FILE.1, and so on,
// keeping keep_files old files.
struct FileRotation {
  std::uint64_t max_bytes = 0;
  std::uint32_t keep_files = 5;
};

// Sets the sink and level for every logger (call once at start; later calls replace them).
// level: trace, debug, info, warn, error, off. file: empty for standard error. Every line reaches
// the file as it is logged.
Result<void> configure(std::string_view level, const std::string& file,
                       FileRotation rotation = {});
// Reopens the log file under its name (after logrotate moved it: the node does this on SIGHUP).
// Nothing when logging to standard error.
void reopen();
// The logger of a role, created on first use with the configured sink and level.
std::shared_ptr<spdlog::logger> logger(std::string_view role);

}  // namespace seedgrid::logging
