#include "models/presets/random_init.hpp"

#include <cmath>

#include "models/weights/sha256.hpp"

namespace seedgrid {

namespace {

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ull;

std::uint64_t splitmix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t tensor_key(std::uint64_t seed, std::string_view component, std::string_view name) {
  Sha256 h;
  h.update(std::string_view("seedgrid-preset-init-v1"));
  std::uint8_t s[8];
  for (int i = 0; i < 8; ++i) s[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  h.update(s, 8);
  h.update(component);
  h.update(std::string_view("/"));
  h.update(name);
  const auto d = h.finish();
  std::uint64_t key = 0;
  for (int i = 7; i >= 0; --i) key = (key << 8) | d[static_cast<std::size_t>(i)];
  return key;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// The output projections that add into a residual stream.
bool writes_residual(std::string_view name) {
  return contains(name, "conv2.weight") || contains(name, "to_out.0.weight") ||
         contains(name, "ff.net.2.weight") || contains(name, "out_proj.weight") ||
         contains(name, "mlp.fc2.weight") || contains(name, "proj_out.weight");
}

struct Distribution {
  double mean = 0;
  double std = 0;
};

Distribution distribution_of(std::string_view component, const ParamSpec& spec) {
  const std::string_view name = spec.name;
  if (name.ends_with(".bias")) return {0.0, 0.02};
  if (spec.shape.size() == 1) return {1.0, 0.05};
  if (contains(name, "embedding.weight")) return {0.0, 0.5};
  const double fan_in =
      static_cast<double>(shape_numel(spec.shape)) / static_cast<double>(spec.shape[0]);
  double gain = 1.0;
  if (writes_residual(name)) gain = 0.5;
  if (component == "vae" && name == "decoder.conv_out.weight") gain = 0.8;
  return {0.0, gain / std::sqrt(fan_in)};
}

}  // namespace

Tensor random_parameter(std::uint64_t seed, std::string_view component, const ParamSpec& spec) {
  Tensor t = Tensor::host(spec.shape);
  float* out = t.f32();
  const std::uint64_t key = tensor_key(seed, component, spec.name);
  const Distribution d = distribution_of(component, spec);
  const double half_width = d.std * std::sqrt(3.0);
  const auto n = static_cast<std::uint64_t>(t.numel());
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t bits = splitmix64(key + (i + 1) * kGolden) >> 40;
    const double u = (static_cast<double>(bits) + 0.5) * (1.0 / 16777216.0) * 2.0 - 1.0;
    out[i] = static_cast<float>(d.mean + u * half_width);
  }
  return t;
}

}  // namespace seedgrid
