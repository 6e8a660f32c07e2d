#include "runtime/gateway/input_images.hpp"

#include <vector>

#include "runtime/base/crypto/base64.hpp"
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
  auto bytes = bytes_of_base64(base64, " \r\n");
  if (!bytes)
    return fail("field \"", field, "\": not base64 text (", base64.size(), " characters)");
  auto image = decode_image(*bytes);
  if (!image) return context(image.error(), "field \"", field, "\"");
  return image;
}

}  // namespace seedgrid::gateway
