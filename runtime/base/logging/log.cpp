#include "runtime/base/logging/log.hpp"

#include "runtime/base/logging/file_sink.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>
#include <mutex>

namespace seedgrid::logging {

namespace {

struct Registry {
  std::mutex mutex;
  spdlog::sink_ptr sink;
  std::shared_ptr<FileSink> file;  // the sink, when it is a file
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
};

Registry& registry() {
  static Registry r;
  return r;
}

spdlog::sink_ptr default_sink() { return std::make_shared<spdlog::sinks::stderr_sink_mt>(); }

}  // namespace

Result<void> configure(std::string_view level, const std::string& file, FileRotation rotation) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off")
    return fail("log level '", std::string(level),
                "' is not one of trace, debug, info, warn, error, off");
  spdlog::sink_ptr sink;
  std::shared_ptr<FileSink> file_sink;
  try {
    if (!file.empty())
      file_sink = std::make_shared<FileSink>(file, rotation.max_bytes, rotation.keep_files);
    sink = file_sink ? spdlog::sink_ptr(file_sink) : default_sink();
  } catch (const spdlog::spdlog_ex& e) {
    return fail("cannot open log file ", file, ": ", e.what());
  }
  sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %-11n %^%-5l%$ %v");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.sink = sink;
  r.file = file_sink;
  r.level = parsed;
  for (auto& [name, l] : r.loggers) {
    l->sinks().assign(1, sink);
    l->set_level(parsed);
  }
  return {};
}

void reopen() {
  Registry& r = registry();
  std::shared_ptr<FileSink> file;
  {
    std::lock_guard lock(r.mutex);
    file = r.file;
  }
  if (!file) return;
  try {
    file->reopen();
  } catch (const spdlog::spdlog_ex& e) {
    std::fprintf(stderr, "cannot reopen the log file: %s\n", e.what());
  }
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
