#include "models/vae/vae_blocks.hpp"

namespace seedgrid {

VaeAttention VaeAttention::load(const Params& p, int channels, int groups) {
  VaeAttention a;
  a.group_norm = GroupNorm::load(p.at("group_norm"), channels, groups, kVaeEps);
  a.attention = Attention::load(p, channels, channels, 1, channels, true);
  return a;
}

Tensor VaeAttention::forward(Backend& b, const Tensor& x) const {
  const Tensor tokens = b.nchw_to_tokens(group_norm(b, x, false));
  const Tensor h = attention.forward(b, tokens, tokens);
  return b.add(b.tokens_to_nchw(h, x.dim(2), x.dim(3)), x);
}

VaeMidBlock VaeMidBlock::load(const Params& p, int channels, int groups) {
  VaeMidBlock m;
  m.resnet0 = ResnetBlock::load(p.at("resnets.0"), channels, channels, 0, groups, kVaeEps);
  m.attention = VaeAttention::load(p.at("attentions.0"), channels, groups);
  m.resnet1 = ResnetBlock::load(p.at("resnets.1"), channels, channels, 0, groups, kVaeEps);
  return m;
}

Tensor VaeMidBlock::forward(Backend& b, const Tensor& x) const {
  return resnet1.forward(b, attention.forward(b, resnet0.forward(b, x, nullptr)), nullptr);
}

VaeDownBlock VaeDownBlock::load(const Params& p, int in, int out, int layers, int groups,
                                bool add_downsample) {
  VaeDownBlock d;
  for (int i = 0; i < layers; ++i)
    d.resnets.push_back(
        ResnetBlock::load(p.at("resnets.", i), i == 0 ? in : out, out, 0, groups, kVaeEps));
  d.has_downsample = add_downsample;
  if (add_downsample)
    d.downsample = Conv2d::load(p.at("downsamplers.0.conv"), out, out, 3, {2, 0, 1});
  return d;
}

Tensor VaeDownBlock::forward(Backend& b, Tensor x) const {
  for (const auto& r : resnets) x = r.forward(b, x, nullptr);
  return has_downsample ? downsample(b, x) : x;
}

VaeUpBlock VaeUpBlock::load(const Params& p, int in, int out, int layers, int groups,
                            bool add_upsample) {
  VaeUpBlock u;
  for (int i = 0; i < layers; ++i)
    u.resnets.push_back(
        ResnetBlock::load(p.at("resnets.", i), i == 0 ? in : out, out, 0, groups, kVaeEps));
  u.has_upsample = add_upsample;
  if (add_upsample) u.upsample = Conv2d::load(p.at("upsamplers.0.conv"), out, out, 3, {1, 1, 1});
  return u;
}

Tensor VaeUpBlock::forward(Backend& b, Tensor x) const {
  for (const auto& r : resnets) x = r.forward(b, x, nullptr);
  return has_upsample ? upsample(b, b.upsample_nearest2x(x)) : x;
}

}  // namespace seedgrid
