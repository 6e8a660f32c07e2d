#pragma once
// Images a client uploads with a request (img2img's init_image, inpaint's mask) as base64 text,
// decoded (PNG, WebP or JPEG); protocol::attach_input_image then names and carries them, as
// `seedgrid generate --init-image` does.
#include <string>
#include <string_view>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"

namespace seedgrid::gateway {

// `base64` (standard alphabet; a "data:image/...;base64," prefix is skipped) decoded to pixels;
// errors name `field`.
Result<RgbImage> decode_upload(std::string_view base64, std::string_view field);

}  // namespace seedgrid::gateway
