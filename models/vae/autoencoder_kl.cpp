#include "models/vae/autoencoder_kl.hpp"

#include <algorithm>

#include "models/vae/vae_blocks.hpp"
#include "models/vae/vae_config_json.hpp"

namespace seedgrid {

struct AutoencoderKL::Impl {
  Backend* backend = nullptr;
  VaeConfig config;
  // encoder
  Conv2d enc_conv_in;
  std::vector<VaeDownBlock> enc_down;
  VaeMidBlock enc_mid;
  GroupNorm enc_norm_out;
  Conv2d enc_conv_out;
  Conv2d quant_conv;  // -> moments: mean and log-variance chunked along channels
  // decoder
  Conv2d post_quant_conv;
  Conv2d dec_conv_in;
  VaeMidBlock dec_mid;
  std::vector<VaeUpBlock> dec_up;
  GroupNorm dec_norm_out;
  Conv2d dec_conv_out;

  void build(const Params& p);
};

void AutoencoderKL::Impl::build(const Params& p) {
  const VaeConfig& c = config;
  const auto& ch = c.block_out_channels;
  const int n = static_cast<int>(ch.size());
  const int groups = c.norm_num_groups;
  const int latent = c.latent_channels;
  const Conv2dGeometry same{1, 1, 1};

  const Params enc = p.at("encoder");
  enc_conv_in = Conv2d::load(enc.at("conv_in"), c.in_channels, ch[0], 3, same);
  int channels = ch[0];
  for (int i = 0; i < n; ++i) {
    const int out = ch[static_cast<std::size_t>(i)];
    enc_down.push_back(VaeDownBlock::load(enc.at("down_blocks.", i), channels, out,
                                          c.layers_per_block, groups, i < n - 1));
    channels = out;
  }
  enc_mid = VaeMidBlock::load(enc.at("mid_block"), channels, groups);
  enc_norm_out = GroupNorm::load(enc.at("conv_norm_out"), channels, groups, kVaeEps);
  enc_conv_out = Conv2d::load(enc.at("conv_out"), channels, 2 * latent, 3, same);
  quant_conv = Conv2d::load(p.at("quant_conv"), 2 * latent, 2 * latent, 1, {});

  post_quant_conv = Conv2d::load(p.at("post_quant_conv"), latent, latent, 1, {});
  const Params dec = p.at("decoder");
  channels = ch.back();
  dec_conv_in = Conv2d::load(dec.at("conv_in"), latent, channels, 3, same);
  dec_mid = VaeMidBlock::load(dec.at("mid_block"), channels, groups);
  for (int i = 0; i < n; ++i) {
    const int out = ch[static_cast<std::size_t>(n - 1 - i)];
    dec_up.push_back(VaeUpBlock::load(dec.at("up_blocks.", i), channels, out,
                                      c.layers_per_block + 1, groups, i < n - 1));
    channels = out;
  }
  dec_norm_out = GroupNorm::load(dec.at("conv_norm_out"), ch[0], groups, kVaeEps);
  dec_conv_out = Conv2d::load(dec.at("conv_out"), ch[0], c.out_channels, 3, same);
}

Result<AutoencoderKL> AutoencoderKL::load(WeightSet& weights, const VaeConfig& config,
                                          Backend& backend) {
  if (auto ok = check_vae_config(config); !ok) return context(ok.error(), "VAE config");
  auto impl = std::make_shared<Impl>();
  impl->backend = &backend;
  impl->config = config;
  if (auto ok = build_from_weights(weights, backend, [&](const Params& p) { impl->build(p); }); !ok)
    return pass_on(ok);
  AutoencoderKL vae;
  vae.impl_ = std::move(impl);
  return vae;
}

Result<std::vector<ParamSpec>> AutoencoderKL::parameters(const VaeConfig& config) {
  if (auto ok = check_vae_config(config); !ok) return context(ok.error(), "VAE config");
  Impl impl;
  impl.config = config;
  return record_parameters([&](const Params& p) { impl.build(p); });
}

const VaeConfig& AutoencoderKL::config() const { return impl_->config; }

Tensor AutoencoderKL::decode(const Tensor& latents) const {
  const Impl& m = *impl_;
  Backend& b = *m.backend;
  if (latents.rank() != 4 || latents.dim(1) != m.config.latent_channels)
    abort_misuse("VAE decode input " + latents.describe() + ": expected [B, " +
                 std::to_string(m.config.latent_channels) + ", h, w]");
  Tensor x = m.dec_conv_in(b, m.post_quant_conv(b, latents));
  x = m.dec_mid.forward(b, x);
  for (const auto& block : m.dec_up) x = block.forward(b, x);
  return m.dec_conv_out(b, m.dec_norm_out(b, x, true));
}

LatentDistribution AutoencoderKL::encode(const Tensor& image) const {
  const Impl& m = *impl_;
  Backend& b = *m.backend;
  const int f = m.config.downscale();
  if (image.rank() != 4 || image.dim(1) != m.config.in_channels || image.dim(2) % f != 0 ||
      image.dim(3) % f != 0)
    abort_misuse("VAE encode input " + image.describe() + ": expected [B, " +
                 std::to_string(m.config.in_channels) + ", H, W] with H and W multiples of " +
                 std::to_string(f));
  Tensor x = m.enc_conv_in(b, image);
  for (const auto& block : m.enc_down) x = block.forward(b, x);
  x = m.enc_mid.forward(b, x);
  x = m.enc_conv_out(b, m.enc_norm_out(b, x, true));
  const Tensor moments = m.quant_conv(b, x);  // [B, 2L, h, w]

  // Chunk along channels: viewed as [2B, L, h, w], row 2i is sample i's mean, row 2i+1 its logvar.
  const std::int64_t batch = moments.dim(0);
  const std::int64_t latent = m.config.latent_channels;
  const Tensor halves = moments.reshape({2 * batch, latent, moments.dim(2), moments.dim(3)});
  std::vector<Tensor> means, logvars;
  for (std::int64_t i = 0; i < batch; ++i) {
    means.push_back(halves.slice(2 * i, 2 * i + 1));
    logvars.push_back(halves.slice(2 * i + 1, 2 * i + 2));
  }
  LatentDistribution out;
  out.mean = batch == 1 ? means[0] : b.concat_batch(means);
  // The Backend has no clamp: the log-variance is small, clamp it on the host.
  Tensor logvar = b.download(batch == 1 ? logvars[0] : b.concat_batch(logvars));
  float* v = logvar.f32();
  for (std::int64_t i = 0; i < logvar.numel(); ++i) v[i] = std::clamp(v[i], -30.0f, 20.0f);
  out.logvar = b.upload(logvar);
  return out;
}

}  // namespace seedgrid
