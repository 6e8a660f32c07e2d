#include "models/unet/unet.hpp"

#include "models/unet/unet_blocks.hpp"
#include "models/unet/unet_config_json.hpp"

namespace seedgrid {

struct UNet::Impl {
  Backend* backend = nullptr;
  UNetConfig config;
  Linear time_linear_1, time_linear_2;
  Conv2d conv_in;
  std::vector<DownBlock> down;
  MidBlock mid;
  std::vector<UpBlock> up;
  GroupNorm conv_norm_out;
  Conv2d conv_out;

  void build(const Params& p);
};

void UNet::Impl::build(const Params& p) {
  const UNetConfig& c = config;
  const int n = static_cast<int>(c.block_out_channels.size());
  const int c0 = c.block_out_channels[0];
  const int temb = 4 * c0;
  const int groups = c.norm_num_groups;
  const float eps = c.norm_eps;
  const auto heads = unet_heads_per_block(c);
  const auto layers = unet_transformer_layers_per_block(c);
  const auto attention = [&](bool enabled, int block) {
    return AttentionSpec{enabled, heads[static_cast<std::size_t>(block)],
                         layers[static_cast<std::size_t>(block)], c.cross_attention_dim,
                         c.use_linear_projection};
  };

  time_linear_1 = Linear::load(p.at("time_embedding.linear_1"), c0, temb);
  time_linear_2 = Linear::load(p.at("time_embedding.linear_2"), temb, temb);
  conv_in = Conv2d::load(p.at("conv_in"), c.in_channels, c0, 3, {1, 1, 1});

  int channels = c0;
  for (int i = 0; i < n; ++i) {
    const int out = c.block_out_channels[static_cast<std::size_t>(i)];
    const bool cross = c.down_block_types[static_cast<std::size_t>(i)] == "CrossAttnDownBlock2D";
    down.push_back(DownBlock::load(p.at("down_blocks.", i), channels, out, c.layers_per_block, temb,
                                   groups, eps, attention(cross, i), i < n - 1));
    channels = out;
  }
  mid = MidBlock::load(p.at("mid_block"), channels, temb, groups, eps, attention(true, n - 1));

  for (int i = 0; i < n; ++i) {
    const int mirrored = n - 1 - i;  // the down block this up block mirrors
    const int prev = channels;
    const int out = c.block_out_channels[static_cast<std::size_t>(mirrored)];
    const int skip_in = c.block_out_channels[static_cast<std::size_t>(std::max(mirrored - 1, 0))];
    const bool cross = c.up_block_types[static_cast<std::size_t>(i)] == "CrossAttnUpBlock2D";
    up.push_back(UpBlock::load(p.at("up_blocks.", i), prev, skip_in, out, c.layers_per_block + 1,
                               temb, groups, eps, attention(cross, mirrored), i < n - 1));
    channels = out;
  }
  conv_norm_out = GroupNorm::load(p.at("conv_norm_out"), c0, groups, eps);
  conv_out = Conv2d::load(p.at("conv_out"), c0, c.out_channels, 3, {1, 1, 1});
}

Result<UNet> UNet::load(WeightSet& weights, const UNetConfig& config, Backend& backend) {
  if (auto ok = check_unet_config(config); !ok) return context(ok.error(), "UNet config");
  auto impl = std::make_shared<Impl>();
  impl->backend = &backend;
  impl->config = config;
  if (auto ok = build_from_weights(weights, backend, [&](const Params& p) { impl->build(p); }); !ok)
    return pass_on(ok);
  UNet unet;
  unet.impl_ = std::move(impl);
  return unet;
}

Result<std::vector<ParamSpec>> UNet::parameters(const UNetConfig& config) {
  if (auto ok = check_unet_config(config); !ok) return context(ok.error(), "UNet config");
  Impl impl;
  impl.config = config;
  return record_parameters([&](const Params& p) { impl.build(p); });
}

const UNetConfig& UNet::config() const { return impl_->config; }

Tensor UNet::forward(const Tensor& sample, std::span<const float> timesteps,
                     const Tensor& context) const {
  const Impl& m = *impl_;
  Backend& b = *m.backend;
  const UNetConfig& c = m.config;
  const std::int64_t factor = std::int64_t{1} << (c.block_out_channels.size() - 1);
  if (sample.rank() != 4 || sample.dim(1) != c.in_channels || sample.dim(2) % factor != 0 ||
      sample.dim(3) % factor != 0)
    abort_misuse("UNet input " + sample.describe() + ": expected [B, " +
                 std::to_string(c.in_channels) + ", h, w] with h and w multiples of " +
                 std::to_string(factor));
  if (static_cast<std::int64_t>(timesteps.size()) != sample.dim(0))
    abort_misuse("UNet got " + std::to_string(timesteps.size()) + " timesteps for a batch of " +
                 std::to_string(sample.dim(0)));
  if (context.rank() != 3 || context.dim(0) != sample.dim(0) ||
      context.dim(2) != c.cross_attention_dim)
    abort_misuse("UNet context " + context.describe() + ": expected [" +
                 std::to_string(sample.dim(0)) + ", L, " + std::to_string(c.cross_attention_dim) +
                 "]");

  const Tensor t_emb = b.timestep_embedding(timesteps, c.block_out_channels[0], c.flip_sin_to_cos,
                                            static_cast<float>(c.freq_shift));
  const Tensor emb = m.time_linear_2(b, b.silu(m.time_linear_1(b, t_emb)));
  // Every ResNet block applies SiLU to the embedding before its projection: do it once.
  const Tensor temb_silu = b.silu(emb);
  const UNetConditioning cond{temb_silu, context};

  Tensor x = m.conv_in(b, sample);
  std::vector<Tensor> skips{x};
  for (const auto& block : m.down) x = block.forward(b, x, cond, skips);
  x = m.mid.forward(b, x, cond);
  for (const auto& block : m.up) x = block.forward(b, x, cond, skips);
  return m.conv_out(b, m.conv_norm_out(b, x, true));
}

}  // namespace seedgrid
