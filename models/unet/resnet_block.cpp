#include "models/unet/resnet_block.hpp"

namespace seedgrid {

ResnetBlock ResnetBlock::load(const Params& p, int in, int out, int temb_channels, int groups,
                              float eps) {
  const Conv2dGeometry same{1, 1, 1};
  ResnetBlock r;
  r.norm1 = GroupNorm::load(p.at("norm1"), in, groups, eps);
  r.conv1 = Conv2d::load(p.at("conv1"), in, out, 3, same);
  r.has_time_embedding = temb_channels > 0;
  if (r.has_time_embedding)
    r.time_emb_proj = Linear::load(p.at("time_emb_proj"), temb_channels, out);
  r.norm2 = GroupNorm::load(p.at("norm2"), out, groups, eps);
  r.conv2 = Conv2d::load(p.at("conv2"), out, out, 3, same);
  r.has_shortcut = in != out;
  if (r.has_shortcut) r.conv_shortcut = Conv2d::load(p.at("conv_shortcut"), in, out, 1, {});
  return r;
}

Tensor ResnetBlock::forward(Backend& b, const Tensor& x, const Tensor* temb_silu) const {
  Tensor h = conv1(b, norm1(b, x, true));
  if (has_time_embedding) {
    if (!temb_silu) abort_misuse("a ResNet block with a time embedding was run without one");
    h = b.add_channelwise(h, time_emb_proj(b, *temb_silu));
  }
  h = conv2(b, norm2(b, h, true));
  return b.add(has_shortcut ? conv_shortcut(b, x) : x, h);
}

}  // namespace seedgrid
