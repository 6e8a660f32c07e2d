#pragma once
// Images a client uploads with a request (img2img's init_image, inpaint's mask) as base64 text:
// decoded (PNG, WebP or JPEG), named in the request's parameters by their id and carried beside
// it (protocol/input_image.hpp), as `seedgrid generate --init-image` does.
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::gateway {

// `base64` (standard alphabet; a "data:image/...;base64," prefix is skipped) decoded to pixels;
// errors name `field`.
Result<RgbImage> decode_upload(std::string_view base64, std::string_view field);

// Names `image` as the request's parameter `param` and carries it (once, if two names share it).
void attach_image(protocol::GenerateRequest& request, const std::string& param, RgbImage image);

}  // namespace seedgrid::gateway
