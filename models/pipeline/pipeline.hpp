#pragma once
// Text-to-image and image-to-image over one checkpoint on one backend, with diffusers'
// StableDiffusionPipeline semantics:
//   tokenize (prompt and negative prompt, 77 tokens, truncated) -> text encoder, uncond rows then
//   cond rows in one batch -> sampler loop: the UNet sees [x, x] for guided jobs, the output is
//   uncond + g (cond - uncond) -> VAE decode of x / scaling_factor -> pixels
//   (pixel_conversion.hpp).
// img2img: the init image goes through the VAE encoder, the latent is sampled (mean + std * noise,
// stream 2), scaled, and noised to the level of the first step run (strength).
//
// A loaded Pipeline is immutable: its calls may run concurrently as far as the backend allows (the
// CPU backend's kernels take turns on one thread pool).
//
// Determinism: noise is keyed by each job's own seed (samplers/noise_streams.hpp) and every backend
// op is batch invariant, so a job renders to the same bytes alone or in any batch, and any step can
// be replayed on its own from the committed latents (replay_step) to the same bytes.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/pipeline/generation_hooks.hpp"
#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/render_limits.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "models/result.hpp"
#include "models/samplers/noise_streams.hpp"
#include "models/tokenizer/clip_tokenizer.hpp"
#include "models/weights/checkpoint.hpp"

namespace seedgrid {

struct LoadedPipeline;  // the networks, tokenizer and configs (pipeline.cpp)

struct GeneratedImage {
  RgbImage image;
  Tensor final_latent;              // host f32 [1, C, h, w]: x_steps_run
  int prompt_tokens_dropped = 0;    // tokens cut from the prompt to fit the context
  int negative_tokens_dropped = 0;  // same for the negative prompt
};

class Pipeline {
 public:
  // A diffusers folder or a single-file checkpoint (see load_checkpoint). `backend` must outlive
  // the pipeline.
  static Result<Pipeline> load(const std::string& path, Backend& backend,
                               const CheckpointOptions& options = {});
  // Takes the weights out of `checkpoint` (its weight sets are left empty).
  static Result<Pipeline> load(Checkpoint& checkpoint, Backend& backend);

  const std::string& model_id() const;
  const std::string& source() const;
  Backend& backend() const;
  // Width and height must be multiples of this: the VAE's downscale times what the UNet's levels
  // need of the latent.
  int size_multiple() const;
  // What this model renders (width, height, steps, guidance, schedule): the definition a
  // coordinator checks requests against too.
  const RenderLimits& limits() const;

  // Every problem with a batch (bad size, steps, guidance, strength, init image, prompt encoding,
  // jobs that cannot share a batch) as one clear error; generate checks the same.
  Result<void> validate(std::span<const GenerationSpec> batch) const;
  // The prompt as the text encoder will see it (so a caller can warn about truncation up front).
  Result<TokenizedPrompt> tokenize(std::string_view prompt) const;

  Result<std::vector<GeneratedImage>> generate(std::span<const GenerationSpec> batch,
                                               const GenerationHooks& hooks = {}) const;
  // A pass's x_0 alone (no model run): what sample starts from, for an audit of its first leaf.
  Result<Tensor> pass_start(const SamplingPass& pass, const Tensor& noise,
                            const Tensor* clean) const;
  // x_{t+1} of a pass from its committed x_t (and x_{t-1} for multistep samplers), with a masked
  // pass's kept region put back: bytewise what sample produced (replay_step for one pass).
  Result<Tensor> replay_pass_step(const SamplingPass& pass, const PromptConditioning& text,
                                  const Tensor& noise, const Tensor* clean, int t,
                                  const Tensor& x_t, const Tensor* x_previous = nullptr) const;

  // --- Verification: any piece of a job's trajectory from its spec alone ---
  // The number of sampler steps a job runs (fewer than spec.steps for img2img).
  Result<int> steps_run(const GenerationSpec& spec) const;
  // x_0, host f32 [1, C, h, w]: the job's start latent (seeded noise, or the noised img2img
  // latent).
  Result<Tensor> initial_latent(const GenerationSpec& spec) const;
  // x_{t+1} from the committed x_t (t in [0, steps_run)), bytewise what the full run produced.
  // Multistep samplers (dpmpp_2m) also need x_{t-1} for t >= 1; others ignore it.
  Result<Tensor> replay_step(const GenerationSpec& spec, int t, const Tensor& x_t,
                             const Tensor* x_previous = nullptr) const;
  // The pixels of a final latent (host f32 [1, C, h, w]).
  Result<RgbImage> decode_latent(const Tensor& final_latent) const;

  // --- Passes: the pieces generate runs, for one job, to compose differently (sampling_pass.hpp).
  // Every tensor is host f32 [1, C, h, w] unless said otherwise.
  Result<PromptConditioning> encode_prompt(std::string_view prompt,
                                           std::string_view negative_prompt, bool guided) const;
  // The seeded noise of a latent for a width x height image.
  Result<Tensor> latent_noise(int width, int height, std::uint64_t seed, NoiseStream stream) const;
  // img2img's clean latent: the VAE's sample of the image (noise stream 2 of `seed`), scaled.
  Result<Tensor> encode_image(const RgbImage& image, std::uint64_t seed) const;
  // One sampler pass. x_0 is `noise` scaled to the first sigma, or `clean` noised with `noise` to
  // pass.first_step's level; hooks see x_0 .. x_steps_run as generate's do. Returns the last latent.
  Result<Tensor> sample(const SamplingPass& pass, const PromptConditioning& text,
                        const Tensor& noise, const Tensor* clean,
                        const GenerationHooks& hooks = {}) const;

 private:
  std::shared_ptr<const LoadedPipeline> impl_;
};

}  // namespace seedgrid
