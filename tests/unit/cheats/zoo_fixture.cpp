#include "zoo_fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "preset_model.hpp"

namespace seedgrid::testing {

Backend& backend_of(ClassKind kind) {
  static CpuBackend cpu;
  static F16StorageBackend f16;
  if (kind == ClassKind::cpu_f32) return cpu;
  return f16;
}

const std::string& zoo_model_path(const std::string& preset) {
  return preset_model(preset, 0).checkpoint_path;
}

const Pipeline& zoo_pipeline(const std::string& preset, ClassKind kind) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, ClassKind>, std::unique_ptr<Pipeline>> loaded;
  std::lock_guard lock(mutex);
  auto& slot = loaded[{preset, kind}];
  if (!slot) {
    auto p = Pipeline::load(zoo_model_path(preset), backend_of(kind));
    if (!p) {
      std::fprintf(stderr, "cannot load %s: %s\n", preset.c_str(), p.error().message.c_str());
      std::abort();
    }
    slot = std::make_unique<Pipeline>(std::move(*p));
  }
  return *slot;
}

GenerationSpec zoo_spec(const std::string& preset, std::uint64_t seed, std::string prompt) {
  GenerationSpec s;
  s.prompt = std::move(prompt);
  s.negative_prompt = "blurry";
  s.seed = seed;
  s.steps = preset == "tiny" ? 6 : 4;
  s.guidance = 7.5f;
  s.sampler = SamplerKind::euler;
  s.width = 64;
  s.height = 64;
  return s;
}

worker::CheatedRender honest_render(const Pipeline& pipeline, const GenerationSpec& spec) {
  worker::CheatedRender out;
  GenerationHooks hooks;
  hooks.on_latent = [&](std::size_t, int t, const Tensor& latent) {
    out.trajectory.record(static_cast<std::uint32_t>(t), latent);
  };
  auto images = pipeline.generate(std::span<const GenerationSpec>(&spec, 1), hooks);
  if (!images) {
    std::fprintf(stderr, "honest render failed: %s\n", images.error().message.c_str());
    std::abort();
  }
  out.image = std::move(images->front().image);
  return out;
}

}  // namespace seedgrid::testing
