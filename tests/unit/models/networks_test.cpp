// Forward passes of the tiny preset's networks on the CPU backend: right shapes, finite values,
// deterministic, and batch-invariant (a row computed alone and inside a batch: identical bytes).
// Loading through files is tested in checkpoint_test.cpp.
// Agreement with PyTorch is checked by the golden tests in tests/unit/pipeline.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "models/backend/cpu_backend.hpp"
#include "models/clip/text_encoder.hpp"
#include "models/presets/preset.hpp"
#include "models/presets/random_init.hpp"
#include "models/unet/unet.hpp"
#include "models/vae/autoencoder_kl.hpp"

using namespace seedgrid;

namespace {

// The tiny preset's networks with their preset weights, built in memory.
class TinyNetworks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto preset = find_preset("tiny");
    ASSERT_TRUE(preset) << preset.error().message;
    preset_ = new Preset(std::move(*preset));
  }
  static void TearDownTestSuite() { delete preset_; }

  template <class Network, class Config>
  static WeightSet weights(const std::string& component, const Config& config) {
    WeightSet set(component);
    const auto specs = Network::parameters(config).value();
    for (const auto& spec : specs) set.insert(spec.name, random_parameter(2024, component, spec));
    return set;
  }
  static WeightSet text_weights() {
    return weights<ClipTextEncoder>("text_encoder", preset_->text);
  }
  static WeightSet unet_weights() { return weights<UNet>("unet", preset_->unet); }
  static WeightSet vae_weights() { return weights<AutoencoderKL>("vae", preset_->vae); }

  // Token ids of `batch` prompts: bos, a few distinct tokens per row, eos, padding.
  static std::vector<std::int32_t> prompts(int batch, int first_row = 0) {
    const auto& c = preset_->text;
    std::vector<std::int32_t> ids;
    for (int b = first_row; b < first_row + batch; ++b) {
      std::vector<std::int32_t> row{c.bos_token_id};
      for (int i = 0; i < 3 + b; ++i) row.push_back(300 + 37 * b + 11 * i);
      row.push_back(c.eos_token_id);
      row.resize(static_cast<std::size_t>(c.max_position_embeddings), c.pad_token_id);
      ids.insert(ids.end(), row.begin(), row.end());
    }
    return ids;
  }

  static void expect_finite(const Tensor& host, double max_abs) {
    ASSERT_EQ(host.dtype(), DType::f32);
    for (std::int64_t i = 0; i < host.numel(); ++i) {
      ASSERT_TRUE(std::isfinite(host.f32()[i])) << "element " << i;
      ASSERT_LT(std::fabs(host.f32()[i]), max_abs) << "element " << i;
    }
  }

  static double stddev(const Tensor& host) {
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < host.numel(); ++i) {
      sum += host.f32()[i];
      sq += double(host.f32()[i]) * host.f32()[i];
    }
    const double n = static_cast<double>(host.numel());
    return std::sqrt(sq / n - (sum / n) * (sum / n));
  }

  // Row `row` of a batched host tensor equals `alone` byte for byte.
  static void expect_same_row(const Tensor& batched, std::int64_t row, const Tensor& alone) {
    const Tensor r = batched.slice(row, row + 1);
    ASSERT_EQ(r.shape(), alone.shape());
    EXPECT_EQ(std::memcmp(r.raw(), alone.raw(), alone.bytes()), 0) << "row " << row;
  }

  static inline Preset* preset_ = nullptr;
  CpuBackend backend_{2};
};

}  // namespace

TEST_F(TinyNetworks, TextEncoder) {
  WeightSet weights = text_weights();
  auto encoder = ClipTextEncoder::load(weights, preset_->text, backend_);
  ASSERT_TRUE(encoder) << encoder.error().message;
  const auto ids = prompts(3);
  const Tensor all = backend_.download(encoder->encode(ids, 3));
  EXPECT_EQ(all.shape(), (Shape{3, 77, 32}));
  expect_finite(all, 100);
  EXPECT_NEAR(stddev(all), 1.0, 0.5);  // the final layer norm
  const Tensor again = backend_.download(encoder->encode(ids, 3));
  EXPECT_EQ(std::memcmp(all.raw(), again.raw(), all.bytes()), 0);
  for (int row = 0; row < 3; ++row)
    expect_same_row(all, row, backend_.download(encoder->encode(prompts(1, row), 1)));
  // Different prompts give different states.
  EXPECT_NE(std::memcmp(all.slice(0, 1).raw(), all.slice(1, 2).raw(), all.bytes() / 3), 0);
}

TEST_F(TinyNetworks, UNet) {
  WeightSet text = text_weights();
  auto encoder = ClipTextEncoder::load(text, preset_->text, backend_);
  WeightSet weights = unet_weights();
  auto unet = UNet::load(weights, preset_->unet, backend_);
  ASSERT_TRUE(encoder && unet) << (unet ? encoder.error().message : unet.error().message);
  const Tensor context = encoder->encode(prompts(3), 3);
  const Tensor sample = backend_.gaussian_noise({3, 4, 8, 8}, 7, 0, 0);
  const std::vector<float> timesteps{999, 500, 1};
  const Tensor out = backend_.download(unet->forward(sample, timesteps, context));
  EXPECT_EQ(out.shape(), (Shape{3, 4, 8, 8}));
  expect_finite(out, 1e3);
  const double sd = stddev(out);
  EXPECT_GT(sd, 0.05);
  EXPECT_LT(sd, 20);
  for (std::int64_t row = 0; row < 3; ++row) {
    const Tensor alone =
        unet->forward(sample.slice(row, row + 1), std::span<const float>(timesteps).subspan(row, 1),
                      context.slice(row, row + 1));
    expect_same_row(out, row, backend_.download(alone));
  }
  // The timestep and the context both matter.
  const std::vector<float> other_t{998, 500, 1};
  const Tensor out_t = backend_.download(unet->forward(sample, other_t, context));
  EXPECT_NE(std::memcmp(out_t.raw(), out.raw(), out.bytes() / 3), 0);
  expect_same_row(out_t, 1, out.slice(1, 2));
}

TEST_F(TinyNetworks, VaeDecodeAndEncode) {
  WeightSet weights = vae_weights();
  auto vae = AutoencoderKL::load(weights, preset_->vae, backend_);
  ASSERT_TRUE(vae) << vae.error().message;
  const Tensor latents = backend_.gaussian_noise({3, 4, 8, 8}, 9, 0, 0);
  const Tensor image = backend_.download(vae->decode(backend_.scale(latents, 1.0f / 0.18215f)));
  EXPECT_EQ(image.shape(), (Shape{3, 3, 64, 64}));
  expect_finite(image, 10);
  // Nominally in [-1, 1]: most pixels inside, not a saturated picture.
  std::int64_t inside = 0;
  for (std::int64_t i = 0; i < image.numel(); ++i) inside += std::fabs(image.f32()[i]) <= 1.0f;
  EXPECT_GT(inside, image.numel() * 9 / 10);
  EXPECT_GT(stddev(image), 0.05);
  for (std::int64_t row = 0; row < 3; ++row)
    expect_same_row(image, row,
                    backend_.download(
                        vae->decode(backend_.scale(latents.slice(row, row + 1), 1.0f / 0.18215f))));

  const Tensor pixels = backend_.upload(image);
  const LatentDistribution dist = vae->encode(pixels);
  const Tensor mean = backend_.download(dist.mean);
  const Tensor logvar = backend_.download(dist.logvar);
  EXPECT_EQ(mean.shape(), (Shape{3, 4, 8, 8}));
  EXPECT_EQ(logvar.shape(), (Shape{3, 4, 8, 8}));
  expect_finite(mean, 1e3);
  expect_finite(logvar, 31);
  for (std::int64_t row = 0; row < 3; ++row) {
    const LatentDistribution one = vae->encode(pixels.slice(row, row + 1));
    expect_same_row(mean, row, backend_.download(one.mean));
    expect_same_row(logvar, row, backend_.download(one.logvar));
  }
  EXPECT_NE(std::memcmp(mean.raw(), logvar.raw(), mean.bytes()), 0);
}

TEST_F(TinyNetworks, LoadRejectsMismatchedConfigsAndLeftovers) {
  UNetConfig wrong = preset_->unet;
  wrong.cross_attention_dim = 48;
  WeightSet weights = unet_weights();
  auto unet = UNet::load(weights, wrong, backend_);
  ASSERT_FALSE(unet);
  EXPECT_NE(unet.error().message.find(
                "attn2.to_k.weight\" has shape [32, 32], but the config expects [32, 48]"),
            std::string::npos)
      << unet.error().message;

  WeightSet extra = vae_weights();
  extra.insert("decoder.spare.weight", Tensor::host({4}));
  auto vae = AutoencoderKL::load(extra, preset_->vae, backend_);
  ASSERT_FALSE(vae);
  EXPECT_NE(vae.error().message.find("\"decoder.spare.weight\""), std::string::npos)
      << vae.error().message;

  ClipTextConfig bad = preset_->text;
  bad.num_attention_heads = 3;
  WeightSet text = text_weights();
  auto encoder = ClipTextEncoder::load(text, bad, backend_);
  ASSERT_FALSE(encoder);
  EXPECT_NE(encoder.error().message.find("not divisible by num_attention_heads 3"),
            std::string::npos);
}

using TinyNetworksDeathTest = TinyNetworks;

TEST_F(TinyNetworksDeathTest, MisuseAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  WeightSet weights = unet_weights();
  auto unet = UNet::load(weights, preset_->unet, backend_);
  ASSERT_TRUE(unet);
  const Tensor context = backend_.upload(Tensor::host({1, 77, 32}));
  const std::vector<float> t{1};
  EXPECT_DEATH(unet->forward(backend_.upload(Tensor::host({1, 4, 7, 8})), t, context),
               "multiples of 2");
  EXPECT_DEATH(unet->forward(backend_.upload(Tensor::host({2, 4, 8, 8})), t, context),
               "1 timesteps for a batch of 2");
}
