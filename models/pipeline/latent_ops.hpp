#pragma once
// Host-side operations a task script composes between sampler passes (runtime/base/task_script):
// resizing a latent (hires fix) and blending two noises (variations). Each is a fixed sequence of
// fp32 operations per element, so its bytes are the same on every machine.
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

// A host f32 latent [1, C, h, w] resized to [1, C, height, width] by bilinear interpolation with
// half-pixel centres and clamped edges (PyTorch's interpolate(mode="bilinear",
// align_corners=False)).
Result<Tensor> resize_latent(const Tensor& latent, int height, int width);

// ((1 - t)·a + t·b) / sqrt((1 - t)² + t²): for independent unit Gaussians a and b the result is
// a unit Gaussian again, so it is noise a sampler can start from. t = 0 gives a's bits, t = 1 b's.
Result<Tensor> blend_noise(const Tensor& a, const Tensor& b, float t);

// Inpainting's blend after a step: where `mask` (host f32 [1, 1, h, w], values in [0, 1]) is 1
// the rendered latent, where it is 0 the known one (the clean latent at the step's noise level),
// m·rendered + (1 - m)·known between. Both latents host f32 [1, C, h, w].
Result<Tensor> keep_region(const Tensor& rendered, const Tensor& known, const Tensor& mask);

// A mask image (white: render, black: keep) as a latent mask for a latent of `height` x `width`
// cells, `factor` pixels each: a cell is 1 when any of its pixels is bright (mean of R, G, B at
// least 128), so the rendered region covers every marked pixel.
Result<Tensor> latent_mask(const RgbImage& mask, std::int64_t height, std::int64_t width,
                           int factor);

// The image extended by the given margins (each side's edge pixels repeated outwards), and the
// mask of what is new (white) and what was there (black): outpainting's input.
struct PaddedImage {
  RgbImage image;
  RgbImage mask;
};
Result<PaddedImage> pad_image(const RgbImage& image, int left, int top, int right, int bottom);

}  // namespace seedgrid
