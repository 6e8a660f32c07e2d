#pragma once
// Logging: spdlog, one logger per actor role ("coordinator", "worker", "validator", "treasury",
// "node", "client"), all writing to one sink (standard error or a file) at one level. Prompts,
// negative prompts and pixels are never logged: log job ids, hashes and node ids instead.
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace spdlog {
class logger;
}

namespace seedgrid::logging {

// Sets the sink and level for every logger (call once at start; later calls replace them).
// level: trace, debug, info, warn, error, off. file: empty for standard error.
Result<void> configure(std::string_view level, const std::string& file);
// The logger of a role, created on first use with the configured sink and level.
std::shared_ptr<spdlog::logger> logger(std::string_view role);

}  // namespace seedgrid::logging
