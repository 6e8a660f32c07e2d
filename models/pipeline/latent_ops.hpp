#pragma once
// Host-side operations a task script composes between sampler passes (runtime/base/task_script):
// resizing a latent (hires fix) and blending two noises (variations). Each is a fixed sequence of
// fp32 operations per element, so its bytes are the same on every machine.
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

}  // namespace seedgrid
