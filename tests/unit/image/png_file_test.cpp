#include "runtime/base/image/png_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "runtime/base/image/png_text.hpp"
#include "tests/unit/common/test_dir.hpp"

namespace seedgrid {
namespace {

RgbImage gradient(int w, int h) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &img.pixels[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<std::uint8_t>(x * 7 + y);
      p[1] = static_cast<std::uint8_t>(y * 13);
      p[2] = static_cast<std::uint8_t>(255 - x);
    }
  return img;
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PngCrc32, MatchesKnownValues) {
  EXPECT_EQ(png_crc32(bytes_of("123456789")), 0xCBF43926u);  // the CRC-32 check value
  EXPECT_EQ(png_crc32(bytes_of("IEND")), 0xAE426082u);       // every PNG's last 4 bytes
  EXPECT_EQ(png_crc32({}), 0u);
}

TEST(PngFile, RoundTripsPixelsAndParameters) {
  const RgbImage img = gradient(37, 21);
  const std::string params = "a red fox\nSteps: 4, Seed: 1";
  auto png = encode_png(img, params);
  ASSERT_TRUE(png) << png.error().message;
  auto decoded = decode_png(*png);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->image, img);
  ASSERT_TRUE(decoded->parameters);
  EXPECT_EQ(*decoded->parameters, params);
}

TEST(PngFile, WritesALatin1TextChunkRightAfterIhdr) {
  auto png = encode_png(gradient(4, 4), "caf\xC3\xA9");  // "café" fits Latin-1
  ASSERT_TRUE(png);
  // signature (8) + IHDR (4 + 4 + 13 + 4 = 25): the next chunk is ours.
  const std::uint8_t* chunk = png->data() + 33;
  const std::uint32_t length = (chunk[0] << 24) | (chunk[1] << 16) | (chunk[2] << 8) | chunk[3];
  ASSERT_EQ(length, 15u);  // "parameters" NUL "caf" 0xE9
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(chunk + 4), 4), "tEXt");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(chunk + 8), 15),
            std::string("parameters\0caf\xE9", 15));
  const std::uint32_t crc = (chunk[23] << 24) | (chunk[24] << 16) | (chunk[25] << 8) | chunk[26];
  EXPECT_EQ(crc, png_crc32(std::span<const std::uint8_t>(chunk + 4, 4 + 15)));
  // OpenCV still reads the file.
  const cv::Mat m = cv::imdecode(cv::Mat(1, static_cast<int>(png->size()), CV_8UC1, png->data()),
                                 cv::IMREAD_COLOR);
  EXPECT_EQ(m.cols, 4);
  auto decoded = decode_png(*png);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->parameters.value_or(""), "caf\xC3\xA9");
}

TEST(PngFile, WritesUtf8BeyondLatin1AsItxt) {
  const std::string prompt = "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\xA6\x8A";  // 日本 🦊
  auto png = encode_png(gradient(4, 4), prompt);
  ASSERT_TRUE(png);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(png->data() + 37), 4), "iTXt");
  auto decoded = decode_png(*png);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->parameters.value_or(""), prompt);
}

TEST(PngFile, LeavesParametersOutWhenEmpty) {
  auto png = encode_png(gradient(3, 2), "");
  ASSERT_TRUE(png);
  auto texts = read_png_text(*png);
  ASSERT_TRUE(texts);
  EXPECT_TRUE(texts->empty());
  auto decoded = decode_png(*png);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->parameters);
}

TEST(PngFile, ConvertsGrayAndAlphaToRgb) {
  cv::Mat gray(2, 3, CV_8UC1, cv::Scalar(77));
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", gray, png));
  auto decoded = decode_png(png);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->image.width, 3);
  EXPECT_EQ(decoded->image.pixels, std::vector<std::uint8_t>(18, 77));

  cv::Mat bgra(1, 1, CV_8UC4, cv::Scalar(10, 20, 30, 128));  // B, G, R, A
  ASSERT_TRUE(cv::imencode(".png", bgra, png));
  auto rgb = decode_png(png);
  ASSERT_TRUE(rgb);
  EXPECT_EQ(rgb->image.pixels, (std::vector<std::uint8_t>{30, 20, 10}));
}

TEST(PngFile, WritesAndReadsFiles) {
  const test::TestDir dir;
  const std::filesystem::path path = dir / "gradient.png";
  const RgbImage img = gradient(8, 8);
  ASSERT_TRUE(write_png(path.string(), img, "x\nSteps: 1"));
  auto back = read_png(path.string());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->image, img);
  std::filesystem::remove(path);

  auto missing = read_png(path.string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos);
  auto unwritable = write_png("/nonexistent-dir/x.png", img, "");
  ASSERT_FALSE(unwritable);
  EXPECT_NE(unwritable.error().message.find("/nonexistent-dir/x.png"), std::string::npos);
}

TEST(PngFile, RejectsBadInput) {
  EXPECT_FALSE(encode_png(RgbImage{0, 4, {}}, ""));
  EXPECT_FALSE(encode_png(RgbImage{2, 2, std::vector<std::uint8_t>(11)}, ""));

  auto not_png = decode_png(bytes_of("GIF89a......"));
  ASSERT_FALSE(not_png);
  EXPECT_NE(not_png.error().message.find("signature"), std::string::npos);

  auto png = *encode_png(gradient(4, 4), "hello\nSteps: 1");
  auto corrupt = png;
  corrupt[45] ^= 0x01;  // inside the text chunk's data
  auto bad_crc = decode_png(corrupt);
  ASSERT_FALSE(bad_crc);
  EXPECT_NE(bad_crc.error().message.find("CRC"), std::string::npos) << bad_crc.error().message;

  // A damaged chunk type is shown in hex: its raw bytes (an escape here) would reach the terminal.
  auto bad_type = png;
  bad_type[37] = 0x1b;  // the first letter of the chunk type after IHDR (IHDR ends at byte 33)
  auto escaped = decode_png(bad_type);
  ASSERT_FALSE(escaped);
  EXPECT_NE(escaped.error().message.find("0x1b"), std::string::npos) << escaped.error().message;
  EXPECT_EQ(escaped.error().message.find('\x1b'), std::string::npos) << escaped.error().message;

  auto cut = std::vector<std::uint8_t>(png.begin(), png.begin() + 40);
  auto truncated = decode_png(cut);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("byte 33"), std::string::npos)
      << truncated.error().message;

  EXPECT_FALSE(insert_png_text(png, PngText{"", "x"}));
  EXPECT_FALSE(insert_png_text(png, PngText{std::string(80, 'k'), "x"}));
  for (const std::string text : {std::string("a fox\0tail", 10), std::string("\xC3\xBC\0", 3)}) {
    auto nul = insert_png_text(png, PngText{"parameters", text});
    ASSERT_FALSE(nul) << "a NUL in a " << (text[0] == 'a' ? "tEXt" : "iTXt") << " chunk";
    EXPECT_NE(nul.error().message.find("NUL at byte"), std::string::npos) << nul.error().message;
  }
}

}  // namespace
}  // namespace seedgrid
