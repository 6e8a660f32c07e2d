#include "bench/gpu_render/unet_flops.hpp"

#include <vector>

namespace seedgrid::bench {

namespace {

// Multiply-adds are counted in doubles: an SD 1.5 step is ~4e11 of them per image.
struct Counter {
  UNetFlops macs;
  int context_tokens = 0;
  int context_dim = 0;
  int temb = 0;

  void conv(double out_pixels, int cin, int cout, int k) {
    macs.conv += out_pixels * cin * cout * k * k;
  }
  void resnet(double pixels, int cin, int cout) {
    conv(pixels, cin, cout, 3);
    macs.linear += static_cast<double>(temb) * cout;  // time_emb_proj
    conv(pixels, cout, cout, 3);
    if (cin != cout) conv(pixels, cin, cout, 1);  // conv_shortcut
  }
  void transformer(double tokens, int c, int layers) {
    macs.conv += 2.0 * tokens * c * c;  // proj_in, proj_out (1x1 conv or linear: same count)
    const double l = context_tokens;
    for (int i = 0; i < layers; ++i) {
      macs.linear += 4.0 * tokens * c * c;                 // attn1 q, k, v, out
      macs.attention += 2.0 * tokens * tokens * c;         // attn1 q kᵀ, p v
      macs.linear += 2.0 * tokens * c * c;                 // attn2 q, out
      macs.linear += 2.0 * l * context_dim * c;            // attn2 k, v from the context
      macs.attention += 2.0 * tokens * l * c;              // attn2 q kᵀ, p v
      macs.linear += tokens * c * (8.0 * c) + tokens * (4.0 * c) * c;  // GEGLU proj, ff out
    }
  }
};

template <class T>
std::vector<T> per_block(const std::vector<T>& v, std::size_t n) {
  if (v.size() == 1) return std::vector<T>(n, v[0]);
  return v;
}

}  // namespace

Result<UNetFlops> unet_flops_per_image(const UNetConfig& config, int latent_h, int latent_w,
                                       int context_tokens) {
  const auto& boc = config.block_out_channels;
  const std::size_t n = boc.size();
  if (n == 0) return fail("unet_flops: block_out_channels is empty");
  if (latent_h <= 0 || latent_w <= 0 || context_tokens <= 0)
    return fail("unet_flops: latent ", latent_h, "x", latent_w, " with ", context_tokens,
                " context tokens is not a positive size");
  if (config.down_block_types.size() != n || config.up_block_types.size() != n)
    return fail("unet_flops: ", n, " block_out_channels but ", config.down_block_types.size(),
                " down and ", config.up_block_types.size(), " up block types");
  const auto tlayers = per_block(config.transformer_layers_per_block, n);
  if (tlayers.size() != n)
    return fail("unet_flops: transformer_layers_per_block has ", tlayers.size(), " entries for ",
                n, " blocks");

  Counter c;
  c.context_tokens = context_tokens;
  c.context_dim = config.cross_attention_dim;
  c.temb = boc[0] * 4;
  const int layers = config.layers_per_block;

  int h = latent_h, w = latent_w;
  auto pixels = [&] { return static_cast<double>(h) * w; };
  c.conv(pixels(), config.in_channels, boc[0], 3);  // conv_in
  c.macs.linear += static_cast<double>(boc[0]) * c.temb + static_cast<double>(c.temb) * c.temb;

  // Down path: remember each skip's spatial size so the up path upsamples to it.
  std::vector<std::pair<int, int>> sizes;
  int cout = boc[0];
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& kind = config.down_block_types[i];
    if (kind != "CrossAttnDownBlock2D" && kind != "DownBlock2D")
      return fail("unet_flops: down block type '", kind, "' is not supported");
    const int cin = cout;
    cout = boc[i];
    for (int j = 0; j < layers; ++j) {
      c.resnet(pixels(), j == 0 ? cin : cout, cout);
      if (kind == "CrossAttnDownBlock2D") c.transformer(pixels(), cout, tlayers[i]);
    }
    sizes.emplace_back(h, w);
    if (i + 1 < n) {  // 3x3 stride 2, pad 1
      h = (h + 2 - 3) / 2 + 1;
      w = (w + 2 - 3) / 2 + 1;
      c.conv(pixels(), cout, cout, 3);
    }
  }

  // Mid block: ResNet, transformer, ResNet at the deepest width.
  c.resnet(pixels(), boc.back(), boc.back());
  c.transformer(pixels(), boc.back(), tlayers.back());
  c.resnet(pixels(), boc.back(), boc.back());

  // Up path: layers + 1 ResNets per block over [x, skip] concatenations.
  std::vector<int> rev(boc.rbegin(), boc.rend());
  std::vector<int> rtl(tlayers.rbegin(), tlayers.rend());
  cout = rev[0];
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& kind = config.up_block_types[i];
    if (kind != "CrossAttnUpBlock2D" && kind != "UpBlock2D")
      return fail("unet_flops: up block type '", kind, "' is not supported");
    const int cprev = cout;
    cout = rev[i];
    const int cin = rev[std::min(i + 1, n - 1)];
    for (int j = 0; j < layers + 1; ++j) {
      const int skip = j == layers ? cin : cout;
      const int first = j == 0 ? cprev : cout;
      c.resnet(pixels(), first + skip, cout);
      if (kind == "CrossAttnUpBlock2D") c.transformer(pixels(), cout, rtl[i]);
    }
    if (i + 1 < n) {  // nearest upsample to the next skip's size, then a 3x3 conv
      h = sizes[n - 2 - i].first;
      w = sizes[n - 2 - i].second;
      c.conv(pixels(), cout, cout, 3);
    }
  }
  c.conv(pixels(), boc[0], config.out_channels, 3);  // conv_out

  UNetFlops flops;
  flops.conv = 2.0 * c.macs.conv;
  flops.linear = 2.0 * c.macs.linear;
  flops.attention = 2.0 * c.macs.attention;
  return flops;
}

}  // namespace seedgrid::bench
