#include "models/unet/transformer_2d.hpp"

namespace seedgrid {

namespace {
constexpr float kGroupNormEps = 1e-6f;
}

Transformer2D Transformer2D::load(const Params& p, int channels, int heads, int layers,
                                  int context_dim, int groups, bool linear_projection) {
  Transformer2D t;
  t.norm = GroupNorm::load(p.at("norm"), channels, groups, kGroupNormEps);
  t.linear_projection = linear_projection;
  if (linear_projection) {
    t.proj_in_linear = Linear::load(p.at("proj_in"), channels, channels);
    t.proj_out_linear = Linear::load(p.at("proj_out"), channels, channels);
  } else {
    t.proj_in_conv = Conv2d::load(p.at("proj_in"), channels, channels, 1, {});
    t.proj_out_conv = Conv2d::load(p.at("proj_out"), channels, channels, 1, {});
  }
  for (int i = 0; i < layers; ++i)
    t.blocks.push_back(
        TransformerBlock::load(p.at("transformer_blocks.", i), channels, heads, context_dim));
  return t;
}

Tensor Transformer2D::forward(Backend& b, const Tensor& x, const Tensor& context) const {
  const std::int64_t height = x.dim(2), width = x.dim(3);
  Tensor h = norm(b, x, false);
  if (linear_projection) {
    h = proj_in_linear(b, b.nchw_to_tokens(h));
  } else {
    h = b.nchw_to_tokens(proj_in_conv(b, h));
  }
  for (const auto& block : blocks) h = block.forward(b, h, context);
  if (linear_projection) {
    h = b.tokens_to_nchw(proj_out_linear(b, h), height, width);
  } else {
    h = proj_out_conv(b, b.tokens_to_nchw(h, height, width));
  }
  return b.add(h, x);
}

}  // namespace seedgrid
