#pragma once
// A fresh temporary directory per test, removed afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace seedgrid::testing {

class TestDir {
 public:
  // Named after the running test.
  TestDir() : TestDir(test_name()) {}
  explicit TestDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() /
            ("seedgrid-models-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static std::string test_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "-" + info->name();
  }

  std::filesystem::path path_;
};

}  // namespace seedgrid::testing
