#pragma once
// An image a request hands its task script (init_image, mask): it travels beside the signed
// request, and the request's parameter of that name carries the image's id, so the signature, the
// spec hash and the receipt commit to the pixels without carrying them. Workers and validators
// fetch an image by id from the coordinator (input_image_atom) and check it against the id, as
// they do a task script.
#include <string>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

// BLAKE2b-256 over a domain tag, the width, the height and the RGB bytes, as 64 lower-case hex
// digits: the same pixels at another size are another image.
std::string input_image_id(const RgbImage& image);

// Dimensions positive and within `max_width` x `max_height`, and width * height * 3 bytes; the
// error names the image by `what` ("image init_image") and says what was wrong.
Result<void> check_input_image(const RgbImage& image, std::uint32_t max_width,
                               std::uint32_t max_height, std::string_view what);

// Names `image` as `request`'s parameter `param` (by its id) and carries it, once however many
// parameters name it: how a client (generate, the gateway) sends an image with a request.
void attach_input_image(GenerateRequest& request, const std::string& param, RgbImage image);

// A worker's or validator's fetch of one image by id.
struct InputImageReply {
  Reply outcome;  // not ok: the coordinator has no such image (never had it, or erased it)
  RgbImage image;
};

}  // namespace seedgrid::protocol
