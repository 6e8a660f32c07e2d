#include "runtime/gateway/studio_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::gateway {
namespace {

namespace fs = std::filesystem;

struct StudioFiles : ::testing::Test {
  test::TestDir folder;
  fs::path base = folder.path();
  fs::path dir = base / "studio";
  void SetUp() override {
    fs::create_directories(dir / "img");
    std::ofstream(dir / "index.html") << "<html>";
    std::ofstream(dir / "img" / "logo.svg") << "<svg/>";
    std::ofstream(base / "secret.key") << "private";
  }
};

TEST_F(StudioFiles, PlainNamesBelowTheFolderAreServed) {
  EXPECT_EQ(studio_file(dir, "/"), fs::canonical(dir / "index.html"));
  EXPECT_EQ(studio_file(dir, ""), fs::canonical(dir / "index.html"));
  EXPECT_EQ(studio_file(dir, "/img/logo.svg"), fs::canonical(dir / "img" / "logo.svg"));
  const HttpResponse r = studio_file_reply(dir.string(), "/img/logo.svg");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<svg/>");
  EXPECT_EQ(r.content_type, "image/svg+xml");
}

TEST_F(StudioFiles, NoPathLeavesTheFolder) {
  const std::string secret = (base / "secret.key").string();
  for (const std::string& path : std::vector<std::string>{
           "/" + secret, "//" + secret.substr(1), "/../secret.key", "/img/../../secret.key",
        "/./index.html", "/img//logo.svg", "/img/", "/img", "index.html", "/%2e%2e/secret.key"})
    EXPECT_FALSE(studio_file(dir, path)) << path;
  // The raw (encoded) forms through the whole answer, "/%2fetc" decoding to "//etc".
  for (const std::string& raw : std::vector<std::string>{"/%2f" + secret.substr(1), "//" + secret.substr(1),
                                "/%2e%2e/secret.key", "/..%2fsecret.key"}) {
    const HttpResponse r = studio_file_reply(dir.string(), raw);
    EXPECT_EQ(r.status, 404) << raw;
    EXPECT_EQ(r.body.find("private"), std::string::npos) << raw;
  }
}

TEST_F(StudioFiles, OnlyRegularFilesInsideTheFolderEvenThroughLinks) {
  fs::create_symlink(base / "secret.key", dir / "linked.key");
  EXPECT_FALSE(studio_file(dir, "/linked.key")) << "a link that leads out of the folder";
  fs::create_symlink(dir / "index.html", dir / "home.html");
  EXPECT_EQ(studio_file(dir, "/home.html"), fs::canonical(dir / "index.html"));
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  EXPECT_FALSE(studio_file(dir, "/pipe")) << "a FIFO would be read without end";
  EXPECT_EQ(studio_file_reply("", "/index.html").status, 404) << "no studio configured";
}

}  // namespace
}  // namespace seedgrid::gateway
