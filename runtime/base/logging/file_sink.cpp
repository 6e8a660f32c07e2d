#include "runtime/base/logging/file_sink.hpp"

#include <cstdio>
#include <filesystem>

namespace seedgrid::logging {

namespace fs = std::filesystem;

FileSink::FileSink(std::string path, std::uint64_t max_bytes, std::uint32_t keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {
  file_.open(path_, false);
  size_ = file_.size();
}

void FileSink::reopen() {
  std::lock_guard lock(mutex_);
  file_.close();
  file_.open(path_, false);  // appends, or creates the file logrotate moved away
  size_ = file_.size();
}

void FileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  if (max_bytes_ > 0 && size_ > 0 && size_ + line.size() > max_bytes_) rotate();
  file_.write(line);
  file_.flush();
  size_ += line.size();
}

void FileSink::flush_() { file_.flush(); }

void FileSink::rotate() {
  file_.close();
  std::error_code ec;
  auto numbered = [&](std::uint32_t i) { return path_ + "." + std::to_string(i); };
  if (keep_ == 0) {
    fs::remove(path_, ec);
  } else {
    fs::remove(numbered(keep_), ec);
    for (std::uint32_t i = keep_; i > 1; --i) fs::rename(numbered(i - 1), numbered(i), ec);
    fs::rename(path_, numbered(1), ec);
  }
  file_.open(path_, true);
  size_ = 0;
}

}  // namespace seedgrid::logging
