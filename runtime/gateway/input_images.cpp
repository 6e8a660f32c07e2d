#include "runtime/gateway/input_images.hpp"

#include <sodium.h>

#include <vector>

#include "runtime/base/image/png_file.hpp"

namespace seedgrid::gateway {

Result<RgbImage> decode_upload(std::string_view base64, std::string_view field) {
  if (base64.starts_with("data:")) {
    const std::size_t comma = base64.find(',');
    if (comma == std::string_view::npos)
      return fail("field \"", field, "\": a data: URL without a ',' before its base64");
    base64.remove_prefix(comma + 1);
  }
  if (base64.empty()) return fail("field \"", field, "\": an empty image");
  std::vector<std::uint8_t> bytes(base64.size() / 4 * 3 + 3);
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), base64.data(), base64.size(), " \r\n",
                        &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return fail("field \"", field, "\": not base64 text (", base64.size(), " characters)");
  bytes.resize(length);
  auto image = decode_image(bytes);
  if (!image) return context(image.error(), "field \"", field, "\"");
  return image;
}

}  // namespace seedgrid::gateway
