// seedgrid's tokenizer, networks, schedules and whole pipeline against the independent PyTorch
// reference (bench/reference/), through the fixtures tests/fixtures/golden/make_goldens.py wrote:
// the random-weight tiny and small presets and the trained shapes model (models/zoo/shapes).
// fp32 outputs must agree to a relative L2 error of 1e-4.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/backend/cpu_backend.hpp"
#include "models/clip/text_encoder.hpp"
#include "models/json/json_parse.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/samplers/sampling_schedule.hpp"
#include "models/tokenizer/tokenizer_files.hpp"
#include "models/unet/unet.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/weights/checkpoint.hpp"
#include "models/weights/safetensors_reader.hpp"
#include "preset_model.hpp"

namespace seedgrid {
namespace {

const std::string kGoldenDir = std::string(SEEDGRID_FIXTURES_DIR) + "/golden";
constexpr double kTolerance = 1e-4;
const char* kRegenerate =
    "re-run /usr/bin/python3 tests/fixtures/golden/make_goldens.py --seedgrid BUILD/seedgrid "
    "(see tests/fixtures/golden/README.md)";

// ||got - want|| / ||want||; infinite when either side has a NaN or the shapes differ.
double relative_l2(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return INFINITY;
  double diff = 0, norm = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.f32()[i], w = want.f32()[i];
    if (std::isnan(g) || std::isnan(w)) return INFINITY;
    diff += (g - w) * (g - w);
    norm += w * w;
  }
  return std::sqrt(diff) / std::sqrt(norm);
}

class GoldenPreset : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string name = GetParam();
    auto meta = json::parse_file(kGoldenDir + "/" + name + ".json");
    ASSERT_TRUE(meta) << meta.error().message << "; " << kRegenerate;
    meta_ = std::move(*meta);
    auto file = read_safetensors(kGoldenDir + "/" + name + ".safetensors");
    ASSERT_TRUE(file) << file.error().message << "; " << kRegenerate;
    file_ = std::move(*file);

    // A random-weight preset is written by the test; a trained model is a folder in the repository.
    if (const json::Value* folder = meta_.find("model")) {
      checkpoint_path_ = std::string(SEEDGRID_SOURCE_DIR) + "/" + folder->as_string();
    } else {
      checkpoint_path_ =
          testing::preset_model(name, static_cast<std::uint64_t>(meta_.find("seed")->as_int()))
              .checkpoint_path;
    }
    auto checkpoint = load_checkpoint(checkpoint_path_);
    ASSERT_TRUE(checkpoint) << checkpoint.error().message;
    checkpoint_ = std::move(*checkpoint);
    const std::string& fixture_id = meta_.find("model_id")->as_string();
    ASSERT_EQ(checkpoint_.model_id, fixture_id)
        << "the " << name << " model now has model id " << checkpoint_.model_id
        << ", but the golden fixtures were made from " << fixture_id
        << ": the model or the weight format changed; " << kRegenerate;
  }

  // A fixture tensor as host f32.
  Tensor fixture(const std::string& name) const {
    const SafetensorsEntry* e = file_.find(name);
    EXPECT_NE(e, nullptr) << "no tensor " << name << " in the " << GetParam() << " fixtures";
    if (e == nullptr) return Tensor::host({0});
    return host_to_dtype(e->tensor, DType::f32);
  }

  std::vector<std::int32_t> case_ids(std::size_t i) const {
    std::vector<std::int32_t> ids;
    for (const auto& v : meta_.find("tokenizer_cases")->as_array()[i].find("ids")->as_array())
      ids.push_back(static_cast<std::int32_t>(v.as_int()));
    return ids;
  }

  json::Value meta_;
  SafetensorsFile file_;
  Checkpoint checkpoint_;
  std::string checkpoint_path_;
  CpuBackend backend_{2};
};

TEST_P(GoldenPreset, TokenizerMatchesTheReference) {
  auto tok = load_clip_tokenizer(checkpoint_.vocab_path, checkpoint_.merges_path);
  ASSERT_TRUE(tok) << tok.error().message;
  const auto& cases = meta_.find("tokenizer_cases")->as_array();
  ASSERT_GE(cases.size(), 8u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string& text = cases[i].find("text")->as_string();
    auto got = tok->encode(text, checkpoint_.text_config.max_position_embeddings);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->ids, case_ids(i)) << "prompt: " << text;
    EXPECT_EQ(got->dropped_tokens, cases[i].find("dropped")->as_int()) << "prompt: " << text;
  }
}

TEST_P(GoldenPreset, TextEncoderMatchesTheReference) {
  auto encoder = ClipTextEncoder::load(checkpoint_.text_encoder, checkpoint_.text_config, backend_);
  ASSERT_TRUE(encoder) << encoder.error().message;
  std::vector<std::int32_t> ids = case_ids(0);
  const std::vector<std::int32_t> second = case_ids(1);
  ids.insert(ids.end(), second.begin(), second.end());
  const Tensor hidden = backend_.download(encoder->encode(ids, 2));
  EXPECT_LE(relative_l2(hidden, fixture("text.hidden")), kTolerance);
}

TEST_P(GoldenPreset, UNetForwardMatchesTheReference) {
  auto unet = UNet::load(checkpoint_.unet, checkpoint_.unet_config, backend_);
  ASSERT_TRUE(unet) << unet.error().message;
  std::vector<float> timesteps;
  for (const auto& t : meta_.find("unet")->find("timesteps")->as_array())
    timesteps.push_back(static_cast<float>(t.as_number()));
  const Tensor out = backend_.download(unet->forward(
      backend_.upload(fixture("unet.sample")), timesteps, backend_.upload(fixture("text.hidden"))));
  EXPECT_LE(relative_l2(out, fixture("unet.out")), kTolerance);
}

TEST_P(GoldenPreset, VaeMatchesTheReference) {
  auto vae = AutoencoderKL::load(checkpoint_.vae, checkpoint_.vae_config, backend_);
  ASSERT_TRUE(vae) << vae.error().message;
  const Tensor image = backend_.download(vae->decode(backend_.upload(fixture("vae.latent"))));
  EXPECT_LE(relative_l2(image, fixture("vae.image")), kTolerance) << "decode";
  const LatentDistribution dist = vae->encode(backend_.upload(fixture("vae.image")));
  EXPECT_LE(relative_l2(backend_.download(dist.mean), fixture("vae.mean")), kTolerance) << "encode";
  EXPECT_LE(relative_l2(backend_.download(dist.logvar), fixture("vae.logvar")), kTolerance)
      << "encode";
}

// Pixels come from the latent through the VAE and rounding: a last-bit difference may move a value
// across a rounding boundary, never further.
void expect_pixels_match(const RgbImage& got, const Tensor& want) {
  ASSERT_EQ(static_cast<std::int64_t>(got.pixels.size()), want.numel());
  int worst = 0;
  std::int64_t differing = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const int d = std::abs(static_cast<int>(got.pixels[static_cast<std::size_t>(i)]) -
                           static_cast<int>(want.f32()[i]));
    worst = std::max(worst, d);
    differing += d != 0;
  }
  EXPECT_LE(worst, 1);
  EXPECT_LE(differing, want.numel() / 100);
}

RgbImage image_of(const Tensor& pixels) {
  RgbImage img{static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(0)), {}};
  for (std::int64_t i = 0; i < pixels.numel(); ++i)
    img.pixels.push_back(static_cast<std::uint8_t>(pixels.f32()[i]));
  return img;
}

// Full renders (4 steps with CFG) with every sampler, and an img2img from the Euler image.
TEST_P(GoldenPreset, RendersMatchTheReference) {
  auto pipeline = Pipeline::load(checkpoint_path_, backend_);
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  const auto& runs = meta_.find("runs")->as_array();
  ASSERT_EQ(runs.size(), 5u);
  for (const json::Value& run : runs) {
    const std::string name = run.find("name")->as_string();
    GenerationSpec spec;
    spec.prompt = run.find("prompt")->as_string();
    spec.negative_prompt = run.find("negative_prompt")->as_string();
    spec.seed = static_cast<std::uint64_t>(run.find("seed")->as_int());
    spec.steps = static_cast<int>(run.find("steps")->as_int());
    spec.guidance = static_cast<float>(run.find("guidance")->as_number());
    spec.sampler = *parse_sampler_kind(run.find("sampler")->as_string());
    spec.karras = run.find("karras") != nullptr && run.find("karras")->as_bool();
    spec.width = static_cast<int>(run.find("width")->as_int());
    spec.height = static_cast<int>(run.find("height")->as_int());
    if (const json::Value* init = run.find("init_run")) {
      spec.init_image = image_of(fixture("run." + init->as_string() + ".pixels"));
      spec.strength = static_cast<float>(run.find("strength")->as_number());
    }
    auto out = pipeline->generate(std::span(&spec, 1));
    ASSERT_TRUE(out) << name << ": " << out.error().message;
    EXPECT_LE(relative_l2((*out)[0].final_latent, fixture("run." + name + ".latent")), kTolerance)
        << name;
    if (file_.find("run." + name + ".pixels") != nullptr)
      expect_pixels_match((*out)[0].image, fixture("run." + name + ".pixels"));
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, GoldenPreset, ::testing::Values("tiny", "small", "shapes"));

TEST(GoldenSchedules, MatchTheReferenceSchedulers) {
  auto root = json::parse_file(kGoldenDir + "/schedules.json");
  ASSERT_TRUE(root) << root.error().message;
  const json::Value& configs = *root->find("configs");
  const auto& cases = root->find("cases")->as_array();
  ASSERT_GT(cases.size(), 50u);
  for (const auto& c : cases) {
    const json::Value& cfg = *configs.find(c.find("config")->as_string());
    SchedulerConfig config;
    config.num_train_timesteps = static_cast<int>(cfg.find("num_train_timesteps")->as_int());
    config.beta_start = static_cast<float>(cfg.find("beta_start")->as_number());
    config.beta_end = static_cast<float>(cfg.find("beta_end")->as_number());
    config.beta_schedule = cfg.find("beta_schedule")->as_string();
    config.steps_offset = static_cast<int>(cfg.find("steps_offset")->as_int());
    config.timestep_spacing = cfg.find("timestep_spacing")->as_string();
    const std::string sampler = c.find("sampler")->as_string();
    const bool karras = c.find("karras")->as_bool();
    const int steps = static_cast<int>(c.find("steps")->as_int());
    const std::string what = c.find("config")->as_string() + " " + sampler +
                             (karras ? " karras " : " ") + std::to_string(steps) + " steps";
    auto s = make_sampling_schedule(config, *parse_sampler_kind(sampler), steps, karras);
    ASSERT_TRUE(s) << what << ": " << s.error().message;
    const auto& timesteps = c.find("timesteps")->as_array();
    ASSERT_EQ(s->timesteps.size(), timesteps.size()) << what;
    for (std::size_t i = 0; i < timesteps.size(); ++i)
      EXPECT_NEAR(s->timesteps[i], timesteps[i].as_number(), 2e-3) << what << " timestep " << i;
    const auto& sigmas = c.find("sigmas")->as_array();
    ASSERT_EQ(s->sigmas.size(), sigmas.size()) << what;
    // torch.linspace rounds a few betas differently in the last bit: about 1e-6 relative.
    for (std::size_t i = 0; i < sigmas.size(); ++i)
      EXPECT_NEAR(s->sigmas[i], sigmas[i].as_number(), 1e-5 * sigmas[i].as_number())
          << what << " sigma " << i;
    const double init = c.find("init_noise_sigma")->as_number();
    EXPECT_NEAR(s->init_noise_sigma, init, 1e-5 * init) << what;
  }
}

}  // namespace
}  // namespace seedgrid
