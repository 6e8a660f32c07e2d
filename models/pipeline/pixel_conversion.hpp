#pragma once
// Between images and the VAE's [-1, 1] tensors, on the host in float32.
//   to pixels:   byte = round_half_to_even(clamp(x * 0.5 + 0.5, 0, 1) * 255)
//                (diffusers' postprocess followed by numpy's round: every step in float32)
//   from pixels: x = (byte / 255) * 2 - 1  (diffusers' preprocess)
#include <cstdint>
#include <vector>

#include "models/pipeline/rgb_image.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

// images: host f32 [B, 3, H, W] -> B images.
std::vector<RgbImage> images_from_tensor(const Tensor& images);
std::uint8_t pixel_from_value(float x);

// One image -> host f32 [1, 3, H, W].
Tensor tensor_from_image(const RgbImage& image);

}  // namespace seedgrid
