#include "runtime/base/image/webp_file.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace seedgrid {

Result<std::vector<std::uint8_t>> encode_webp(const RgbImage& image, int quality) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    return fail("cannot encode a ", image.width, "x", image.height, " image with ",
                image.pixels.size(), " bytes as WebP");
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> out;
  try {
    if (!cv::imencode(".webp", bgr, out, {cv::IMWRITE_WEBP_QUALITY, quality}))
      return fail("OpenCV could not encode the image as WebP");
  } catch (const cv::Exception& e) {
    return fail("OpenCV has no WebP encoder in this build: ", e.what());
  }
  return out;
}

}  // namespace seedgrid
