#include "models/samplers/noise_streams.hpp"

#include <vector>

namespace seedgrid {

Tensor job_noise(Backend& backend, const Shape& job_shape, std::uint64_t seed, NoiseStream stream,
                 int step) {
  const auto counter =
      static_cast<std::uint64_t>(step) * static_cast<std::uint64_t>(shape_numel(job_shape));
  return backend.gaussian_noise(job_shape, seed, static_cast<std::uint32_t>(stream), counter);
}

Tensor batch_noise(Backend& backend, const Shape& job_shape, std::span<const std::uint64_t> seeds,
                   NoiseStream stream, int step) {
  if (seeds.size() == 1) return job_noise(backend, job_shape, seeds[0], stream, step);
  std::vector<Tensor> parts;
  parts.reserve(seeds.size());
  for (std::uint64_t seed : seeds)
    parts.push_back(job_noise(backend, job_shape, seed, stream, step));
  return backend.concat_batch(parts);
}

}  // namespace seedgrid
