#include "tiny_render.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "models/backend/cpu_backend.hpp"
#include "models/backend/f16_storage_backend.hpp"
#include "models/presets/write_preset.hpp"

namespace seedgrid::verify::testing {

namespace {

struct TinyModel {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("seedgrid_verify_test_" + std::to_string(::getpid()));
  std::string model_id;
  CpuBackend backend{1};
  F16StorageBackend f16_backend{1};
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Pipeline> f16_pipeline;

  TinyModel() {
    PresetWriteOptions o;
    o.preset = "tiny";
    o.seed = 11;
    o.out_dir = (dir / "tiny").string();
    auto report = write_preset(o);
    if (!report) die(report.error().message);
    model_id = report->model_id;
    auto loaded = Pipeline::load(report->checkpoint_path, backend);
    if (!loaded) die(loaded.error().message);
    pipeline = std::make_unique<Pipeline>(std::move(*loaded));
    auto f16 = Pipeline::load(report->checkpoint_path, f16_backend);
    if (!f16) die(f16.error().message);
    f16_pipeline = std::make_unique<Pipeline>(std::move(*f16));
  }
  ~TinyModel() {
    pipeline.reset();
    f16_pipeline.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  [[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "cannot prepare the tiny preset: %s\n", why.c_str());
    std::abort();
  }
};

TinyModel& tiny() {
  static TinyModel m;
  return m;
}

}  // namespace

const Pipeline& tiny_pipeline() { return *tiny().pipeline; }
const Pipeline& tiny_pipeline_f16_storage() { return *tiny().f16_pipeline; }
const std::string& tiny_model_id() { return tiny().model_id; }
const std::string& tiny_model_dir() {
  static const std::string dir = (tiny().dir / "tiny").string();
  return dir;
}

GenerationSpec tiny_spec(SamplerKind sampler, std::uint64_t seed, int steps) {
  GenerationSpec s;
  s.prompt = "a lighthouse at dusk";
  s.negative_prompt = "blurry";
  s.seed = seed;
  s.steps = steps;
  s.guidance = 5.0f;
  s.sampler = sampler;
  s.width = 64;
  s.height = 64;
  return s;
}

CommittedJob committed(const GenerationSpec& spec, const Trajectory& trajectory,
                       const RgbImage& delivered, std::string determinism_class) {
  CommittedJob job;
  job.spec = spec;
  job.trajectory_root = trajectory.root();
  job.leaf_count = trajectory.leaf_count();
  job.output_hash = blake2b(delivered.pixels);
  job.determinism_class = std::move(determinism_class);
  return job;
}

HonestRender honest_render(const GenerationSpec& spec) {
  return honest_render(tiny_pipeline(), spec);
}

HonestRender honest_render(const Pipeline& pipeline, const GenerationSpec& spec) {
  HonestRender r;
  GenerationHooks hooks;
  hooks.on_latent = [&](std::size_t, int t, const Tensor& latent) {
    r.trajectory.record(static_cast<std::uint32_t>(t), latent);
  };
  auto images = pipeline.generate(std::span<const GenerationSpec>(&spec, 1), hooks);
  if (!images) TinyModel::die(images.error().message);
  r.image = images->front().image;
  r.job = committed(spec, r.trajectory, r.image, pipeline.backend().determinism_class());
  return r;
}

}  // namespace seedgrid::verify::testing
