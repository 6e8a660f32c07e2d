#include "models/unet/unet_blocks.hpp"

namespace seedgrid {

namespace {

Transformer2D load_transformer(const Params& p, int channels, int groups, const AttentionSpec& a) {
  return Transformer2D::load(p, channels, a.heads, a.layers, a.context_dim, groups,
                             a.linear_projection);
}

}  // namespace

DownBlock DownBlock::load(const Params& p, int in, int out, int layers, int temb, int groups,
                          float eps, const AttentionSpec& attention, bool add_downsample) {
  DownBlock d;
  for (int i = 0; i < layers; ++i) {
    d.resnets.push_back(
        ResnetBlock::load(p.at("resnets.", i), i == 0 ? in : out, out, temb, groups, eps));
    if (attention.enabled)
      d.attentions.push_back(load_transformer(p.at("attentions.", i), out, groups, attention));
  }
  d.has_downsample = add_downsample;
  if (add_downsample)
    d.downsample = Conv2d::load(p.at("downsamplers.0.conv"), out, out, 3, {2, 1, 1});
  return d;
}

Tensor DownBlock::forward(Backend& b, Tensor x, const UNetConditioning& cond,
                          std::vector<Tensor>& skips) const {
  for (std::size_t i = 0; i < resnets.size(); ++i) {
    x = resnets[i].forward(b, x, &cond.temb_silu);
    if (!attentions.empty()) x = attentions[i].forward(b, x, cond.context);
    skips.push_back(x);
  }
  if (has_downsample) {
    x = downsample(b, x);
    skips.push_back(x);
  }
  return x;
}

MidBlock MidBlock::load(const Params& p, int channels, int temb, int groups, float eps,
                        const AttentionSpec& attention) {
  MidBlock m;
  m.resnet0 = ResnetBlock::load(p.at("resnets.0"), channels, channels, temb, groups, eps);
  m.attention = load_transformer(p.at("attentions.0"), channels, groups, attention);
  m.resnet1 = ResnetBlock::load(p.at("resnets.1"), channels, channels, temb, groups, eps);
  return m;
}

Tensor MidBlock::forward(Backend& b, const Tensor& x, const UNetConditioning& cond) const {
  Tensor h = resnet0.forward(b, x, &cond.temb_silu);
  h = attention.forward(b, h, cond.context);
  return resnet1.forward(b, h, &cond.temb_silu);
}

UpBlock UpBlock::load(const Params& p, int prev, int skip_in, int out, int layers, int temb,
                      int groups, float eps, const AttentionSpec& attention, bool add_upsample) {
  UpBlock u;
  for (int i = 0; i < layers; ++i) {
    const int skip = i == layers - 1 ? skip_in : out;
    const int in = i == 0 ? prev : out;
    u.resnets.push_back(ResnetBlock::load(p.at("resnets.", i), in + skip, out, temb, groups, eps));
    if (attention.enabled)
      u.attentions.push_back(load_transformer(p.at("attentions.", i), out, groups, attention));
  }
  u.has_upsample = add_upsample;
  if (add_upsample) u.upsample = Conv2d::load(p.at("upsamplers.0.conv"), out, out, 3, {1, 1, 1});
  return u;
}

Tensor UpBlock::forward(Backend& b, Tensor x, const UNetConditioning& cond,
                        std::vector<Tensor>& skips) const {
  for (std::size_t i = 0; i < resnets.size(); ++i) {
    if (skips.empty()) abort_misuse("UNet up block ran out of skip connections");
    const Tensor skip = std::move(skips.back());
    skips.pop_back();
    x = resnets[i].forward(b, b.concat_channels(x, skip), &cond.temb_silu);
    if (!attentions.empty()) x = attentions[i].forward(b, x, cond.context);
  }
  if (has_upsample) x = upsample(b, b.upsample_nearest2x(x));
  return x;
}

}  // namespace seedgrid
