#pragma once
// Where every random number of a render comes from. All noise is Backend::gaussian_noise (Philox,
// kernels/philox.hpp), keyed by the JOB's own seed, so a job's bytes never depend on the other jobs
// batched with it, and a verifier can recompute any of it from (seed, step) alone:
//
//   stream 0  initial latent noise            counter_base 0
//   stream 1  ancestral noise of sampler step k  counter_base k * numel   (numel of one job's
//   latent) stream 2  VAE latent sampling (img2img)   counter_base 0
//
// Step k is the index into the full schedule (img2img's first step is not 0), so the noise of a
// step is the same whatever step the run started at.
#include <cstdint>
#include <span>

#include "models/backend/backend.hpp"

namespace seedgrid {

enum class NoiseStream : std::uint32_t { initial_latent = 0, ancestral = 1, latent_sampling = 2 };

// Noise for one job: `job_shape` has batch dimension 1.
Tensor job_noise(Backend& backend, const Shape& job_shape, std::uint64_t seed, NoiseStream stream,
                 int step = 0);

// Each job's noise stacked along the batch dimension: [seeds.size(), ...job_shape[1:]].
Tensor batch_noise(Backend& backend, const Shape& job_shape, std::span<const std::uint64_t> seeds,
                   NoiseStream stream, int step = 0);

}  // namespace seedgrid
