#include "actors/worker/cheats/cheat.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <mutex>
#include <utility>

#include "actors/worker/cheats/substitute_models.hpp"

namespace seedgrid::worker {

namespace {

constexpr std::array<std::pair<Cheat, std::string_view>, 12> kNames{{
    {Cheat::wrong_seed, "wrong_seed"},
    {Cheat::fewer_steps, "fewer_steps"},
    {Cheat::skipped_guidance, "skipped_guidance"},
    {Cheat::smaller_model, "smaller_model"},
    {Cheat::quantized_8bit, "quantized_8bit"},
    {Cheat::quantized_4bit, "quantized_4bit"},
    {Cheat::other_sampler, "other_sampler"},
    {Cheat::random_output, "random_output"},
    {Cheat::replayed_image, "replayed_image"},
    {Cheat::swapped_final_image, "swapped_final_image"},
    {Cheat::forged_trajectory, "forged_trajectory"},
    {Cheat::ignored_mask, "ignored_mask"},
}};

#ifndef SEEDGRID_TEST_FAULTS
constexpr const char* kNotCompiled = "cheats are compiled only into test builds";
#endif

}  // namespace

bool cheats_enabled() {
#ifdef SEEDGRID_TEST_FAULTS
  return true;
#else
  return false;
#endif
}

std::vector<Cheat> scripted_only_cheats() { return {Cheat::ignored_mask}; }

std::vector<Cheat> all_cheats() {
  const auto scripted_only = scripted_only_cheats();
  std::vector<Cheat> out;
  for (const auto& [c, name] : kNames)
    if (std::find(scripted_only.begin(), scripted_only.end(), c) == scripted_only.end())
      out.push_back(c);
  return out;
}

std::string_view cheat_name(Cheat c) {
  for (const auto& [cheat, name] : kNames)
    if (cheat == c) return name;
  return "unknown";
}

#ifndef SEEDGRID_TEST_FAULTS

struct ReplayCache {};

Result<Cheat> parse_cheat(std::string_view) { return fail(kNotCompiled); }
Result<CheatKit> make_cheat_kit(Cheat, const std::string&, Backend&, const CheatKitOptions&) {
  return fail(kNotCompiled);
}
Result<CheatKit> make_cheat_kit(Cheat, const Pipeline&, Backend&, const CheatKitOptions&) {
  return fail(kNotCompiled);
}
Result<CheatedRender> render_cheating(Cheat, const CheatKit&, const GenerationSpec&,
                                      const GenerationHooks&) {
  return fail(kNotCompiled);
}

#else  // SEEDGRID_TEST_FAULTS

// The first job's delivery, handed out again for every later job.
struct ReplayCache {
  std::mutex mutex;
  std::optional<CheatedRender> first;
};

namespace {

// Streams of gaussian_noise no honest render uses, so forged latents are noise of their own.
constexpr std::uint32_t kForgeryStream = 0x0c4ea7u;
constexpr std::uint64_t kForgerySeedSalt = 0x5eed0fc4ea7ull;

Tensor host_copy(const Tensor& t) {
  Tensor out = Tensor::host(t.shape());
  std::memcpy(out.raw(), t.raw(), t.bytes());
  return out;
}

// (1 - f) a + f b, elementwise in f32.
Tensor lerp(const Tensor& a, const Tensor& b, float f) {
  Tensor out = Tensor::host(a.shape());
  const float* pa = a.f32();
  const float* pb = b.f32();
  float* po = out.f32();
  for (std::int64_t i = 0; i < a.numel(); ++i) po[i] = (1.0f - f) * pa[i] + f * pb[i];
  return out;
}

struct Rendered {
  RgbImage image;
  std::vector<Tensor> latents;  // x_0 .. x_N, host f32 copies
};

Result<Rendered> render(const Pipeline& pipeline, const GenerationSpec& spec,
                        const GenerationHooks& outer) {
  Rendered r;
  GenerationHooks hooks;
  hooks.on_progress = outer.on_progress;
  hooks.cancelled = outer.cancelled;
  hooks.on_latent = [&](std::size_t, int, const Tensor& latent) {
    r.latents.push_back(host_copy(latent));
  };
  auto images = pipeline.generate(std::span<const GenerationSpec>(&spec, 1), hooks);
  if (!images) return pass_on(images);
  r.image = std::move(images->front().image);
  return r;
}

// Resamples a trajectory to `leaves` latents by linear interpolation along the step index: what a
// worker that ran fewer steps commits in place of the steps it never ran. Ends are kept.
std::vector<Tensor> resample(const std::vector<Tensor>& run, std::uint32_t leaves) {
  if (run.size() == leaves) return run;
  std::vector<Tensor> out;
  const double last_run = static_cast<double>(run.size() - 1);
  const double last_out = static_cast<double>(leaves - 1);
  for (std::uint32_t t = 0; t < leaves; ++t) {
    const double s = leaves == 1 ? 0.0 : t * last_run / last_out;
    const auto j = static_cast<std::size_t>(s);
    if (j + 1 >= run.size()) {
      out.push_back(run.back());
    } else {
      out.push_back(lerp(run[j], run[j + 1], static_cast<float>(s - static_cast<double>(j))));
    }
  }
  return out;
}

Tensor forged_latent(Backend& backend, const Shape& shape, std::uint64_t seed, std::uint32_t t) {
  return host_copy(backend.download(
      backend.gaussian_noise(shape, seed ^ kForgerySeedSalt, kForgeryStream + t, 0)));
}

CheatedRender commit(RgbImage image, const std::vector<Tensor>& latents) {
  CheatedRender out;
  out.image = std::move(image);
  for (std::uint32_t t = 0; t < latents.size(); ++t) out.trajectory.record(t, latents[t]);
  return out;
}

// Rotates rows and columns by half the image: plainly another picture, same size.
RgbImage swapped(const RgbImage& in) {
  RgbImage out = in;
  const int w = in.width;
  const int h = in.height;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        out.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            in.pixels[(static_cast<std::size_t>((y + h / 2) % h) * w + (x + w / 2) % w) * 3 + c];
  if (out == in)  // a symmetric image: invert it instead
    for (auto& p : out.pixels) p = static_cast<std::uint8_t>(255 - p);
  return out;
}

RgbImage random_image(int width, int height, std::uint64_t seed) {
  RgbImage img{width, height, {}};
  img.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  std::uint64_t state = seed ^ kForgerySeedSalt;
  for (auto& p : img.pixels) {  // SplitMix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    p = static_cast<std::uint8_t>((z ^ (z >> 31)) >> 56);
  }
  return img;
}

// Runs `spec` on `pipeline` and commits it as the asked job would be: honest x_0 (it costs
// nothing and passes the noise audit), the run's latents stretched to the asked step count.
Result<CheatedRender> substituted_run(const Pipeline& asked_model, const Pipeline& run_model,
                                      const GenerationSpec& asked, const GenerationSpec& run_spec,
                                      std::uint32_t leaves, const GenerationHooks& hooks) {
  auto r = render(run_model, run_spec, hooks);
  if (!r) return pass_on(r);
  auto x0 = asked_model.initial_latent(asked);
  if (!x0) return pass_on(x0);
  std::vector<Tensor> latents = resample(r->latents, leaves);
  latents.front() = host_copy(*x0);
  return commit(std::move(r->image), latents);
}

}  // namespace

Result<Cheat> parse_cheat(std::string_view name) {
  for (const auto& [c, n] : kNames)
    if (n == name) return c;
  std::string known;
  for (const auto& [c, n] : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
  return fail("unknown cheat \"", name, "\" (cheats: ", known, ")");
}

Result<CheatKit> make_cheat_kit(Cheat cheat, const std::string& model_path, Backend& backend,
                                const CheatKitOptions& options) {
  auto honest = Pipeline::load(model_path, backend);
  if (!honest) return context(honest.error(), "loading ", model_path, " for the cheat zoo");
  return make_cheat_kit(cheat, *honest, backend, options);
}

Result<CheatKit> make_cheat_kit(Cheat cheat, const Pipeline& honest, Backend& backend,
                                const CheatKitOptions& options) {
  CheatKit kit;
  kit.cheat = cheat;
  kit.honest = honest;
  const bool quantized = cheat == Cheat::quantized_8bit || cheat == Cheat::quantized_4bit;
  if (cheat == Cheat::smaller_model && !options.smaller_model_path.empty()) {
    auto smaller = Pipeline::load(options.smaller_model_path, backend);
    if (!smaller) return context(smaller.error(), "loading the smaller model");
    kit.substitute = std::move(*smaller);
  } else if (cheat == Cheat::smaller_model || quantized) {
    auto checkpoint = load_checkpoint(honest.source());
    if (!checkpoint) return context(checkpoint.error(), "loading ", honest.source(), " again");
    const int bits = cheat == Cheat::quantized_8bit ? 8 : 4;
    auto changed = quantized ? quantize_checkpoint(*checkpoint, bits)
                             : shrink_unet(*checkpoint, options.smaller_model_seed);
    if (!changed) return pass_on(changed);
    auto substitute = Pipeline::load(*checkpoint, backend);
    if (!substitute)
      return context(substitute.error(), "loading the ", cheat_name(cheat), " substitute");
    kit.substitute = std::move(*substitute);
  }
  if (cheat == Cheat::replayed_image) kit.replay = std::make_shared<ReplayCache>();
  return kit;
}

Result<CheatedRender> render_cheating(Cheat cheat, const CheatKit& kit,
                                      const GenerationSpec& asked, const GenerationHooks& hooks) {
  if (!kit.honest) return fail("the cheat kit has no model");
  if (cheat != kit.cheat)
    return fail("the cheat kit was built for ", cheat_name(kit.cheat), ", not ", cheat_name(cheat));
  const Pipeline& model = *kit.honest;
  auto steps = model.steps_run(asked);
  if (!steps) return pass_on(steps);
  const auto leaves = static_cast<std::uint32_t>(*steps + 1);

  switch (cheat) {
    case Cheat::ignored_mask: {  // a txt2img job has no mask to ignore
      auto r = render(model, asked, hooks);
      if (!r) return pass_on(r);
      return commit(std::move(r->image), r->latents);
    }
    case Cheat::wrong_seed: {
      GenerationSpec other = asked;
      other.seed = asked.seed + 1;
      auto r = render(model, other, hooks);
      if (!r) return pass_on(r);
      return commit(std::move(r->image), r->latents);
    }
    case Cheat::fewer_steps: {
      GenerationSpec fewer = asked;
      fewer.steps = std::max(1, asked.steps / 2);
      return substituted_run(model, model, asked, fewer, leaves, hooks);
    }
    case Cheat::skipped_guidance: {
      GenerationSpec unguided = asked;
      unguided.guidance = 1.0f;
      return substituted_run(model, model, asked, unguided, leaves, hooks);
    }
    case Cheat::smaller_model:
    case Cheat::quantized_8bit:
    case Cheat::quantized_4bit:
      if (!kit.substitute)
        return fail("the cheat kit for ", cheat_name(cheat), " has no substitute");
      return substituted_run(model, *kit.substitute, asked, asked, leaves, hooks);
    case Cheat::other_sampler: {
      GenerationSpec other = asked;
      other.sampler = asked.sampler == SamplerKind::euler ? SamplerKind::ddim : SamplerKind::euler;
      return substituted_run(model, model, asked, other, leaves, hooks);
    }
    case Cheat::random_output: {
      auto x0 = model.initial_latent(asked);  // only for the shape: no model run
      if (!x0) return pass_on(x0);
      std::vector<Tensor> latents;
      for (std::uint32_t t = 0; t < leaves; ++t)
        latents.push_back(forged_latent(model.backend(), x0->shape(), asked.seed, t));
      return commit(random_image(asked.width, asked.height, asked.seed), latents);
    }
    case Cheat::replayed_image: {
      if (!kit.replay) return fail("the cheat kit for replayed_image has no cache");
      std::lock_guard lock(kit.replay->mutex);
      if (!kit.replay->first) {  // the first job is rendered honestly and kept
        auto r = render(model, asked, hooks);
        if (!r) return pass_on(r);
        kit.replay->first = commit(std::move(r->image), r->latents);
        return *kit.replay->first;
      }
      const CheatedRender& first = *kit.replay->first;
      if (first.trajectory.leaf_count() == leaves) return first;
      std::vector<Tensor> latents;
      for (std::uint32_t t = 0; t < first.trajectory.leaf_count(); ++t)
        latents.push_back(first.trajectory.latent(t));
      return commit(first.image, resample(latents, leaves));
    }
    case Cheat::swapped_final_image: {
      auto r = render(model, asked, hooks);
      if (!r) return pass_on(r);
      return commit(swapped(r->image), r->latents);
    }
    case Cheat::forged_trajectory: {
      auto r = render(model, asked, hooks);
      if (!r) return pass_on(r);
      // Keeps x_0 (noise audit) and x_N (decode audit); only a step audit sees the rest.
      for (std::uint32_t t = 1; t + 1 < leaves; ++t) {
        Tensor forged = forged_latent(model.backend(), r->latents[t].shape(), asked.seed, t);
        r->latents[t] = std::move(forged);
      }
      return commit(std::move(r->image), r->latents);
    }
  }
  return fail("unknown cheat ", static_cast<int>(cheat));
}

#endif  // SEEDGRID_TEST_FAULTS

}  // namespace seedgrid::worker
