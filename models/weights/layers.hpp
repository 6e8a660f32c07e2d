#pragma once
// The parameterised layers the networks are made of, each its weights (on a backend) plus the
// Backend op that applies them. Loading names the parameters as torch.nn does ("weight", "bias")
// under the module's prefix.
#include <string>

#include "models/backend/backend.hpp"
#include "models/weights/param_source.hpp"

namespace seedgrid {

// A network called with inputs of the wrong shape is a programming error in the caller (the
// pipeline validates user input before it gets here): print what was wrong and abort.
[[noreturn]] void abort_misuse(const std::string& what);

struct Linear {
  Tensor weight;  // [out, in], in the dtype the checkpoint stores it (Params::matrix)
  Tensor bias;    // [out], undefined when the layer has none

  static Linear load(const Params& p, int in, int out, bool bias = true);
  Tensor operator()(Backend& b, const Tensor& x) const {
    return b.linear(x, weight, bias.defined() ? &bias : nullptr);
  }
};

struct Conv2d {
  Tensor weight;  // [out, in, k, k], as stored (Params::matrix)
  Tensor bias;    // [out]
  Conv2dGeometry geometry;

  static Conv2d load(const Params& p, int in, int out, int kernel, Conv2dGeometry geometry);
  Tensor operator()(Backend& b, const Tensor& x) const {
    return b.conv2d(x, weight, &bias, geometry);
  }
};

struct GroupNorm {
  Tensor gamma, beta;  // "weight", "bias"
  int groups = 32;
  float eps = 1e-5f;

  static GroupNorm load(const Params& p, int channels, int groups, float eps);
  Tensor operator()(Backend& b, const Tensor& x, bool fuse_silu) const {
    return b.group_norm(x, gamma, beta, groups, eps, fuse_silu);
  }
};

struct LayerNorm {
  Tensor gamma, beta;
  float eps = 1e-5f;

  static LayerNorm load(const Params& p, int channels, float eps);
  Tensor operator()(Backend& b, const Tensor& x) const { return b.layer_norm(x, gamma, beta, eps); }
};

}  // namespace seedgrid
