#include "runtime/base/image/png_file.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "runtime/base/image/png_text.hpp"

namespace seedgrid {

namespace {

constexpr int kMaxSide = 16384;

}  // namespace

Result<std::vector<std::uint8_t>> encode_png(const RgbImage& image, const std::string& parameters) {
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxSide || image.height > kMaxSide)
    return fail("cannot encode a ", image.width, "x", image.height, " image as PNG");
  if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    return fail("image of ", image.width, "x", image.height, " holds ", image.pixels.size(),
                " bytes, expected ", static_cast<std::size_t>(image.width) * image.height * 3);
  std::vector<std::uint8_t> png;
  try {
    const cv::Mat rgb(image.height, image.width, CV_8UC3,
                      const_cast<std::uint8_t*>(image.pixels.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imencode(".png", bgr, png)) return fail("OpenCV could not encode the image as PNG");
  } catch (const cv::Exception& e) {
    return fail("OpenCV could not encode the image as PNG: ", e.what());
  }
  if (parameters.empty()) return png;
  return insert_png_text(png, PngText{kPngParametersKeyword, parameters});
}

Result<void> write_png(const std::string& path, const RgbImage& image,
                       const std::string& parameters) {
  auto png = encode_png(image, parameters);
  if (!png) return context(png.error(), "writing ", path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail("cannot create ", path);
  out.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  out.close();
  if (!out) return fail("could not write all of ", path, " (disk full?)");
  return {};
}

Result<RgbImage> decode_image(std::span<const std::uint8_t> bytes) {
  RgbImage out;
  try {
    const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                          const_cast<std::uint8_t*>(bytes.data()));
    const cv::Mat bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
    if (bgr.empty()) return fail("OpenCV could not decode the image (PNG, WebP or JPEG)");
    if (bgr.cols > kMaxSide || bgr.rows > kMaxSide)
      return fail("a ", bgr.cols, "x", bgr.rows, " image is larger than ", kMaxSide,
                  " pixels a side");
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    out.width = rgb.cols;
    out.height = rgb.rows;
    out.pixels.resize(static_cast<std::size_t>(rgb.cols) * rgb.rows * 3);
    for (int y = 0; y < rgb.rows; ++y)
      std::memcpy(out.pixels.data() + static_cast<std::size_t>(y) * rgb.cols * 3, rgb.ptr(y),
                  static_cast<std::size_t>(rgb.cols) * 3);
  } catch (const cv::Exception& e) {
    return fail("OpenCV could not decode the image: ", e.what());
  }
  return out;
}

Result<DecodedPng> decode_png(std::span<const std::uint8_t> bytes) {
  auto texts = read_png_text(bytes);
  if (!texts) return pass_on(texts);
  DecodedPng out;
  for (auto& t : *texts)
    if (t.keyword == kPngParametersKeyword) out.parameters = std::move(t.text);
  auto image = decode_image(bytes);
  if (!image) return pass_on(image);
  out.image = std::move(*image);
  return out;
}

Result<DecodedPng> read_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open image ", path);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto decoded = decode_png(bytes);
  if (!decoded) return context(decoded.error(), "reading ", path);
  return decoded;
}

}  // namespace seedgrid
