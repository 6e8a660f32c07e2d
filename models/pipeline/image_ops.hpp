#pragma once
// Pixel operations a task script composes around its passes (runtime/base/task_script): resizing,
// cropping and blending images under a mask. Integer arithmetic with fixed rounding, so the bytes
// are the same on every machine and in every determinism class.
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"

namespace seedgrid {

// The image resized to width x height by bilinear interpolation with half-pixel centres and clamped
// edges (the sampling PIL and PyTorch's align_corners=False use), weights in 1/65536 steps, each
// channel rounded half up. Sides 1 to 4096.
Result<RgbImage> resize_image(const RgbImage& image, int width, int height);

// The width x height part of the image whose top left pixel is (left, top); it must lie inside.
Result<RgbImage> crop_image(const RgbImage& image, int left, int top, int width, int height);

// a where the mask is black, b where it is white, in between by the mask's brightness m (the mean
// of its R, G, B, rounded, 0 to 255): (a·(255 − m) + b·m) / 255 rounded half up, per channel. All
// three images of one size.
Result<RgbImage> blend_images(const RgbImage& a, const RgbImage& b, const RgbImage& mask);

}  // namespace seedgrid
