#include "runtime/base/logging/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace seedgrid::logging {

namespace {

struct Registry {
  std::mutex mutex;
  spdlog::sink_ptr sink;
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
};

Registry& registry() {
  static Registry r;
  return r;
}

spdlog::sink_ptr default_sink() { return std::make_shared<spdlog::sinks::stderr_sink_mt>(); }

}  // namespace

Result<void> configure(std::string_view level, const std::string& file) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off")
    return fail("log level '", std::string(level),
                "' is not one of trace, debug, info, warn, error, off");
  spdlog::sink_ptr sink;
  try {
    sink = file.empty() ? default_sink()
                        : std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, false);
  } catch (const spdlog::spdlog_ex& e) {
    return fail("cannot open log file ", file, ": ", e.what());
  }
  sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %-11n %^%-5l%$ %v");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.sink = sink;
  r.level = parsed;
  for (auto& [name, l] : r.loggers) {
    l->sinks().assign(1, sink);
    l->set_level(parsed);
  }
  return {};
}

std::shared_ptr<spdlog::logger> logger(std::string_view role) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (auto it = r.loggers.find(role); it != r.loggers.end()) return it->second;
  if (!r.sink) {
    r.sink = default_sink();
    r.sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %-11n %^%-5l%$ %v");
  }
  auto l = std::make_shared<spdlog::logger>(std::string(role), r.sink);
  l->set_level(r.level);
  l->flush_on(spdlog::level::warn);
  r.loggers.emplace(std::string(role), l);
  return l;
}

}  // namespace seedgrid::logging
