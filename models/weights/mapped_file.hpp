#pragma once
// A whole file mapped read-only into memory (copy-on-write private mapping, so a stray write never
// reaches the file). Weight tensors are views into it; they hold a shared_ptr to keep it mapped.
#include <cstddef>
#include <memory>
#include <string>

#include "models/result.hpp"

namespace seedgrid {

class MappedFile {
 public:
  static Result<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  MappedFile(std::string path, std::byte* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace seedgrid
