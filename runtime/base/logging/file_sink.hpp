#pragma once
// The log file of a node: every line is written through at once (spdlog's file sink flushed on
// warnings only, so `tail -f` showed nothing for minutes), the file can be reopened under its name
// after logrotate moved it (SIGHUP), and it can rotate itself by size: past `max_bytes` it becomes
// FILE.1 (FILE.1 becomes FILE.2, ...) and the oldest beyond `keep` is removed.
#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <mutex>
#include <string>

namespace seedgrid::logging {

class FileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Throws spdlog::spdlog_ex when the file cannot be opened (log.cpp turns it into an Error).
  FileSink(std::string path, std::uint64_t max_bytes, std::uint32_t keep);
  void reopen();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void rotate();
  std::string path_;
  std::uint64_t max_bytes_;  // 0: never rotate
  std::uint32_t keep_;
  std::uint64_t size_ = 0;
  spdlog::details::file_helper file_;
};

}  // namespace seedgrid::logging
