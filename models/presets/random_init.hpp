#pragma once
// Random weights for the presets: deterministic from (seed, component, parameter name) alone, so
// tensors can be generated in any order, one at a time, on any machine, with the same bits.
//
// Generator: key = first 8 bytes (little-endian) of SHA-256("seedgrid-preset-init-v1" | u64le seed
// | component "/" name); element i = SplitMix64 output for state key + (i+1) * 0x9e3779b97f4a7c15,
// whose top 24 bits give u = ((bits + 0.5) * 2^-24) * 2 - 1, uniform in (-1, 1). Only integer
// arithmetic and exact IEEE operations: no libm call, no std::*_distribution (whose output
// differs between standard libraries).
//
// Values: mean + u * std * sqrt(3) (uniform with that standard deviation), where, by name:
//   rank-1 ".weight" (norm gammas)        mean 1, std 0.05
//   ".bias"                               mean 0, std 0.02
//   embedding tables                      mean 0, std 0.5
//   other weights (linears, convs)        mean 0, std gain / sqrt(fan_in), fan_in = numel / rows;
//     gain 1, except 0.5 on the projections that write into a residual stream (resnet conv2,
//     attention outputs, feed-forward and MLP outputs), which keeps activations O(1) through the
//     depth of the network, and 0.8 on the VAE decoder's conv_out (images mostly inside [-1, 1]).
#include <cstdint>
#include <string_view>

#include "models/tensor/tensor.hpp"
#include "models/weights/param_source.hpp"

namespace seedgrid {

// A host f32 tensor of spec.shape.
Tensor random_parameter(std::uint64_t seed, std::string_view component, const ParamSpec& spec);

}  // namespace seedgrid
