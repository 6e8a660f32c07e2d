// Small files written whole or not at all: the bytes and modes asked for, an existing file
// replaced or left alone as asked, a crash's stale temporary overwritten, errors naming the path.
#include "runtime/base/files/durable_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
namespace fs = std::filesystem;

namespace {

class DurableFile : public ::testing::Test {
 protected:
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::string tmp_of(const fs::path& p) {
    return p.string() + ".tmp." + std::to_string(::getpid());
  }
  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  }

  test::TestDir folder_;
  fs::path dir_ = folder_.path();
};

TEST_F(DurableFile, WritesTheBytesWithTheModesAskedAndLeavesNoTemporary) {
  const fs::path path = dir_ / "a" / "b" / "key";
  auto w = files::write_durably(path.string(), "secret\n", files::Existing::refuse, 0600, 0700);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(read(path), "secret\n");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir_ / "a"), 0700u);
  EXPECT_EQ(mode_of(dir_ / "a" / "b"), 0700u);
  EXPECT_FALSE(fs::exists(tmp_of(path)));
}

TEST_F(DurableFile, AnExistingFolderKeepsItsMode) {
  ::chmod(dir_.c_str(), 0755);
  const fs::path path = dir_ / "checkpoint.json";
  ASSERT_TRUE(files::write_durably(path.string(), "{}", files::Existing::replace, 0600, 0700));
  EXPECT_EQ(mode_of(dir_), 0755u);
}

TEST_F(DurableFile, ReplaceTakesThePathsPlace) {
  const fs::path path = dir_ / "checkpoint.json";
  ASSERT_TRUE(files::write_durably(path.string(), "old", files::Existing::replace));
  ASSERT_TRUE(files::write_durably(path.string(), "the new text", files::Existing::replace));
  EXPECT_EQ(read(path), "the new text");
  EXPECT_FALSE(fs::exists(tmp_of(path)));
}

TEST_F(DurableFile, RefuseLeavesAnExistingFileAsItWasAndSaysSo) {
  const fs::path path = dir_ / "node.key";
  ASSERT_TRUE(files::write_durably(path.string(), "the first key", files::Existing::refuse, 0600));
  auto again = files::write_durably(path.string(), "another key", files::Existing::refuse, 0600);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find(path.string()), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("exists already"), std::string::npos)
      << again.error().message;
  EXPECT_EQ(read(path), "the first key");
  EXPECT_FALSE(fs::exists(tmp_of(path)));
}

TEST_F(DurableFile, ACrashsStaleTemporaryIsOverwrittenWithTheModeAsked) {
  const fs::path path = dir_ / "node.key";
  {
    std::ofstream stale(tmp_of(path));
    stale << "half a key from before a crash, and more bytes than the new one";
  }
  ::chmod(tmp_of(path).c_str(), 0644);
  ASSERT_TRUE(files::write_durably(path.string(), "key", files::Existing::refuse, 0600));
  EXPECT_EQ(read(path), "key");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_FALSE(fs::exists(tmp_of(path)));
}

TEST_F(DurableFile, AFolderThatCannotBeMadeIsNamed) {
  const fs::path file = dir_ / "plain";
  ASSERT_TRUE(files::write_durably(file.string(), "x", files::Existing::replace));
  // A regular file stands where the folder would go.
  auto w = files::write_durably((file / "key").string(), "y", files::Existing::refuse);
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message.find(file.string()), std::string::npos) << w.error().message;
}

TEST_F(DurableFile, SyncFolderNamesAFolderThatIsNotThere) {
  EXPECT_TRUE(files::sync_folder(dir_.string()).has_value());
  auto missing = files::sync_folder((dir_ / "nowhere").string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nowhere"), std::string::npos);
}

TEST_F(DurableFile, WriteAllWritesEveryByteOrSaysItCouldNot) {
  const fs::path path = dir_ / "log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::string big(3 << 20, 'z');
  EXPECT_TRUE(files::write_all(fd, big.data(), big.size()));
  ::close(fd);
  EXPECT_EQ(fs::file_size(path), big.size());
  EXPECT_FALSE(files::write_all(fd, big.data(), 1));  // closed: EBADF
  EXPECT_EQ(errno, EBADF);
}

TEST_F(DurableFile, PositionedWritesAndReadsMoveEveryByteAndAReadPastTheEndFails) {
  const fs::path path = dir_ / "segment";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::string head = "header", body(1 << 20, 'p');
  EXPECT_TRUE(files::write_all_at(fd, body.data(), body.size(), head.size()));
  EXPECT_TRUE(files::write_all_at(fd, head.data(), head.size(), 0));
  std::string back(head.size() + body.size(), '\0');
  EXPECT_TRUE(files::read_all_at(fd, back.data(), back.size(), 0));
  EXPECT_EQ(back, head + body);
  char past[8];
  EXPECT_FALSE(files::read_all_at(fd, past, sizeof past, back.size() - 4));
  ::close(fd);
}

}  // namespace
