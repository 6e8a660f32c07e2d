#pragma once
// A latent whose values are a ramp from `base` (0.25 apart): distinct per element and per base, so
// a commitment over it changes when any of them does.
#include <cstddef>
#include <utility>
#include <vector>

#include "models/tensor/tensor.hpp"

namespace seedgrid::verify::testing {

inline Tensor ramp_latent(Shape shape, float base) {
  std::vector<float> v(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = base + 0.25f * static_cast<float>(i);
  return Tensor::host_f32(std::move(shape), v);
}

}  // namespace seedgrid::verify::testing
