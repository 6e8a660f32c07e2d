#include "runtime/base/protocol/input_image.hpp"

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::protocol {

std::string input_image_id(const RgbImage& image) {
  Blake2b h;
  h.update(std::string_view("seedgrid input image v1"))
      .update_u64(static_cast<std::uint64_t>(image.width))
      .update_u64(static_cast<std::uint64_t>(image.height))
      .update(image.pixels);
  const Digest d = h.finish();
  return to_hex(d);
}

void attach_input_image(GenerateRequest& request, const std::string& param, RgbImage image) {
  const std::string id = input_image_id(image);
  request.params.push_back({param, id});
  for (const auto& carried : request.images)
    if (input_image_id(carried) == id) return;
  request.images.push_back(std::move(image));
}

Result<void> check_input_image(const RgbImage& image, std::uint32_t max_width,
                               std::uint32_t max_height, std::string_view what) {
  if (image.width < 1 || image.height < 1 || static_cast<std::uint32_t>(image.width) > max_width ||
      static_cast<std::uint32_t>(image.height) > max_height)
    return fail(what, " is ", image.width, " x ", image.height, "; this network takes images of 1 x 1 to ",
                max_width, " x ", max_height);
  const std::size_t expected = static_cast<std::size_t>(image.width) * image.height * 3;
  if (image.pixels.size() != expected)
    return fail(what, " (", image.width, " x ", image.height, ") carries ", image.pixels.size(),
                " bytes of pixels where RGB needs ", expected);
  return {};
}

}  // namespace seedgrid::protocol
