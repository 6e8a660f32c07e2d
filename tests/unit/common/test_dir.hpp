#pragma once
// A fresh folder per test under the system's temporary folder, named after the running test and
// this process, emptied if a crashed run left it, and removed when the test ends, whichever
// assertion ends it (declare it before what keeps files open there).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace seedgrid::test {

class TestDir {
 public:
  // Named after the running test.
  TestDir() : TestDir(test_name()) {}
  explicit TestDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() /
            ("seedgrid-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  // The path of `name` in the folder.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static std::string test_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "-" + info->name();
  }

  std::filesystem::path path_;
};

}  // namespace seedgrid::test
