#include "models/pipeline/pipeline.hpp"

#include "kernels/cpu/parallel.hpp"

#include <cmath>
#include <cstring>
#include <new>

#include "models/backend/device_fault.hpp"
#include "models/clip/text_encoder.hpp"
#include "models/pipeline/latent_ops.hpp"
#include "models/pipeline/pixel_conversion.hpp"
#include "models/samplers/noise_streams.hpp"
#include "models/samplers/sampler.hpp"
#include "models/samplers/sampling_schedule.hpp"
#include "models/tokenizer/tokenizer_files.hpp"
#include "models/unet/unet.hpp"
#include "models/vae/autoencoder_kl.hpp"

namespace seedgrid {

struct LoadedPipeline {
  Backend* backend = nullptr;
  std::string model_id;
  std::string source;
  SchedulerConfig scheduler_config;
  ClipTokenizer tokenizer;
  ClipTextEncoder text_encoder;
  UNet unet;
  AutoencoderKL vae;
  int latent_channels = 4;
  RenderLimits limits;
};

namespace {

// Host f32 rows of a host tensor, each [1, ...] and owning its bytes.
std::vector<Tensor> split_rows(const Tensor& host) {
  std::vector<Tensor> rows;
  for (std::int64_t b = 0; b < host.dim(0); ++b) {
    Shape s = host.shape();
    s[0] = 1;
    Tensor row = Tensor::host(s);
    std::memcpy(row.raw(), host.slice(b, b + 1).raw(), row.bytes());
    rows.push_back(std::move(row));
  }
  return rows;
}

// "job 3: " in front of a batch job's errors; nothing for a job alone.
std::string job_prefix(std::span<const GenerationSpec> batch, std::size_t j) {
  return batch.size() > 1 ? message_of("job ", j, ": ") : std::string();
}

// Runs `work` (which returns a Result) and turns a device that failed under it into an error, so
// one job that does not fit in memory fails alone and the process keeps serving.
template <class Work>
auto device_guarded(const char* what, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const DeviceFault& e) {
    return fail(what, " failed on the device: ", e.what());
  } catch (const std::bad_alloc&) {
    return fail(what, " ran out of host memory: lower the batch size or the image size");
  }
}

// The text encoder's context of a batch's prompts: [(guided ? 2 : 1) * B, L, D] on the backend,
// the negative prompts' rows first.
struct EncodedText {
  Tensor context;
  std::vector<int> prompt_dropped, negative_dropped;
};

Result<EncodedText> encode_text(const LoadedPipeline& p, std::span<const GenerationSpec> jobs,
                                bool guided) {
  EncodedText out;
  const int length = p.text_encoder.config().max_position_embeddings;
  const int vocab = p.text_encoder.config().vocab_size;
  std::vector<std::int32_t> ids;
  auto add = [&](const std::string& text, std::size_t j, const char* which) -> Result<int> {
    auto t = p.tokenizer.encode(text, length);
    if (!t) return context(t.error(), job_prefix(jobs, j), which);
    for (std::int32_t id : t->ids)
      if (id < 0 || id >= vocab)
        return fail(job_prefix(jobs, j), which, " has token id ", id,
                    " outside the text encoder's vocabulary of ", vocab,
                    ": the tokenizer does not belong to this model");
    ids.insert(ids.end(), t->ids.begin(), t->ids.end());
    return t->dropped_tokens;
  };
  if (guided) {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      auto d = add(jobs[j].negative_prompt, j, "the negative prompt");
      if (!d) return pass_on(d);
      out.negative_dropped.push_back(*d);
    }
  } else {
    out.negative_dropped.assign(jobs.size(), 0);
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    auto d = add(jobs[j].prompt, j, "the prompt");
    if (!d) return pass_on(d);
    out.prompt_dropped.push_back(*d);
  }
  out.context = p.text_encoder.encode(ids, static_cast<std::int64_t>(ids.size()) / length);
  return out;
}

// img2img's clean latents of `images` (one per seed) on the backend: the VAE's mean +
// exp(logvar / 2) * noise (stream 2), scaled.
Tensor clean_latents(const LoadedPipeline& p, std::span<const RgbImage* const> images,
                     const Shape& job_shape, std::span<const std::uint64_t> seeds) {
  Backend& be = *p.backend;
  std::vector<Tensor> uploaded;
  for (const RgbImage* image : images) uploaded.push_back(be.upload(tensor_from_image(*image)));
  const LatentDistribution dist =
      p.vae.encode(uploaded.size() == 1 ? uploaded.front() : be.concat_batch(uploaded));
  // The sample needs an exponential, which the op set lacks: it is computed on the host in
  // float32.
  const Tensor mean = be.download(dist.mean), logvar = be.download(dist.logvar);
  const Tensor eps = be.download(batch_noise(be, job_shape, seeds, NoiseStream::latent_sampling));
  Tensor clean = Tensor::host(mean.shape());
  const float scaling = p.vae.config().scaling_factor;
  for (std::int64_t i = 0; i < mean.numel(); ++i) {
    const float std_dev = std::exp(0.5f * logvar.f32()[i]);
    clean.f32()[i] = (mean.f32()[i] + std_dev * eps.f32()[i]) * scaling;
  }
  return be.upload(clean);
}

// One batch in flight: the schedule, the text conditioning and the sampler shared by its jobs.
struct BatchRun {
  const LoadedPipeline& p;
  std::span<const GenerationSpec> jobs;
  Sampler sampler;
  std::vector<std::uint64_t> seeds;
  Shape job_shape;  // [1, C, h, w]
  int first_step = 0;
  bool guided = false;
  Tensor text_context;  // [(guided ? 2 : 1) * B, L, D]: uncond rows first
  std::vector<int> prompt_dropped, negative_dropped;

  BatchRun(const LoadedPipeline& impl, std::span<const GenerationSpec> batch,
           const SamplingSchedule& schedule)
      : p(impl), jobs(batch), sampler(schedule, *impl.backend) {
    const GenerationSpec& first = jobs.front();
    for (const auto& j : jobs) seeds.push_back(j.seed);
    const int f = impl.vae.config().downscale();
    job_shape = {1, impl.latent_channels, first.height / f, first.width / f};
    first_step = first.init_image ? img2img_first_step(first.steps, first.strength) : 0;
    guided = first.uses_guidance();
  }

  std::int64_t batch() const { return static_cast<std::int64_t>(jobs.size()); }
  int steps() const { return sampler.schedule().steps; }
  int steps_run() const { return steps() - first_step; }

  Result<void> encode_prompts() {
    auto text = encode_text(p, jobs, guided);
    if (!text) return pass_on(text);
    text_context = std::move(text->context);
    prompt_dropped = std::move(text->prompt_dropped);
    negative_dropped = std::move(text->negative_dropped);
    return {};
  }

  // The guided model output at step k for latents x [B, C, h, w] on the backend.
  Tensor model_output(int k, const Tensor& x) const {
    Backend& be = *p.backend;
    const Tensor input = sampler.scale_model_input(x, k);
    const float t = sampler.schedule().timesteps[static_cast<std::size_t>(k)];
    if (!guided) {
      const std::vector<float> times(static_cast<std::size_t>(batch()), t);
      return p.unet.forward(input, times, text_context);
    }
    const std::vector<Tensor> doubled{input, input};
    const std::vector<float> times(static_cast<std::size_t>(2 * batch()), t);
    const Tensor out = p.unet.forward(be.concat_batch(doubled), times, text_context);
    std::vector<Tensor> guided_rows;
    for (std::int64_t j = 0; j < batch(); ++j)
      guided_rows.push_back(be.guidance(out.slice(j, j + 1),
                                        out.slice(batch() + j, batch() + j + 1),
                                        jobs[static_cast<std::size_t>(j)].guidance));
    return guided_rows.size() == 1 ? guided_rows.front() : be.concat_batch(guided_rows);
  }

  // x_0 of every job on the backend.
  Tensor start_latent() const {
    Backend& be = *p.backend;
    const Tensor noise = batch_noise(be, job_shape, seeds, NoiseStream::initial_latent);
    if (!jobs.front().init_image) return sampler.initial_latent(noise);
    std::vector<const RgbImage*> images;
    for (const auto& j : jobs) images.push_back(&*j.init_image);
    return sampler.noised_latent(clean_latents(p, images, job_shape, seeds), noise, first_step);
  }
};

Result<SamplingSchedule> schedule_for(const LoadedPipeline& p, const GenerationSpec& spec) {
  return make_sampling_schedule(p.scheduler_config, spec.sampler, spec.steps, spec.karras);
}

// A latent's or an image's size, for the passes that take one without a whole job.
Result<void> validate_size(const LoadedPipeline& p, int width, int height) {
  if (auto ok = check_image_side(p.limits, "width", width); !ok) return ok;
  return check_image_side(p.limits, "height", height);
}

Result<void> validate_image(const RgbImage& img, const char* what) {
  if (img.pixels.size() != static_cast<std::size_t>(img.width) * img.height * 3)
    return fail(what, " holds ", img.pixels.size(), " bytes, expected ",
                static_cast<std::size_t>(img.width) * img.height * 3);
  return {};
}

Result<void> validate_job(const LoadedPipeline& p, const GenerationSpec& s) {
  if (auto ok = check_render_parameters(p.limits, s); !ok) return ok;
  auto schedule = schedule_for(p, s);
  if (!schedule) return pass_on(schedule);
  if (s.init_image) {
    const RgbImage& img = *s.init_image;
    if (img.width != s.width || img.height != s.height)
      return fail("the init image is ", img.width, "x", img.height, " but the render is ", s.width,
                  "x", s.height, ": they must match");
    if (auto ok = validate_image(img, "the init image"); !ok) return ok;
    if (!(s.strength > 0.0f && s.strength <= 1.0f))
      return fail("img2img strength must be in (0, 1], found ", s.strength);
    if (img2img_first_step(s.steps, s.strength) >= s.steps)
      return fail("img2img strength ", s.strength, " with ", s.steps,
                  " steps runs no step: raise the strength or the steps");
  }
  for (const std::string* text : {&s.prompt, &s.negative_prompt}) {
    auto t = p.tokenizer.tokenize(*text);
    if (!t) return context(t.error(), text == &s.prompt ? "the prompt" : "the negative prompt");
  }
  return {};
}

Result<void> validate_batch(const LoadedPipeline& p, std::span<const GenerationSpec> batch) {
  if (batch.empty()) return fail("a render needs at least one job");
  if (batch.size() > static_cast<std::size_t>(kMaxBatchJobs))
    return fail("a batch holds at most ", kMaxBatchJobs, " jobs, found ", batch.size());
  for (std::size_t j = 0; j < batch.size(); ++j) {
    if (auto ok = validate_job(p, batch[j]); !ok)
      return fail(job_prefix(batch, j), ok.error().message);
    if (j > 0) {
      const std::string why = batch_incompatibility(batch[0], batch[j]);
      if (!why.empty()) return fail("jobs 0 and ", j, " cannot share a batch: ", why);
    }
  }
  return {};
}

enum class TextConditioning { encode, skip };

Result<BatchRun> prepare(const LoadedPipeline& p, std::span<const GenerationSpec> batch,
                         TextConditioning text = TextConditioning::encode) {
  if (auto ok = validate_batch(p, batch); !ok) return pass_on(ok);
  auto schedule = schedule_for(p, batch.front());
  if (!schedule) return pass_on(schedule);
  BatchRun run(p, batch, *schedule);
  if (text == TextConditioning::encode)
    if (auto ok = run.encode_prompts(); !ok) return pass_on(ok);
  return run;
}

// The sampler loop from x_0 (on the backend) to the last latent, with the hooks' reports.
// Inpainting's known region: the clean latent and the noise it is noised with, on the backend,
// and the mask on the host (keep_region blends there: latents are small, and host fp32 is the
// same on every backend).
struct KeptRegion {
  Tensor clean, noise, mask;
};

// x_step with the kept region put back: the clean latent at step's noise level, or the clean
// latent itself after the last step.
Result<Tensor> with_kept_region(const BatchRun& run, const KeptRegion& kept, const Tensor& x,
                                int step) {
  Backend& be = *run.p.backend;
  const Tensor known =
      step >= run.steps() ? kept.clean : run.sampler.noised_latent(kept.clean, kept.noise, step);
  auto blended = keep_region(be.download(x), be.download(known), kept.mask);
  if (!blended) return pass_on(blended);
  return be.upload(*blended);
}

Result<Tensor> run_steps(const BatchRun& run, Tensor x, const GenerationHooks& hooks,
                         const KeptRegion* kept = nullptr) {
  Backend& be = *run.p.backend;
  const int steps_run = run.steps_run();
  auto report_latents = [&](int t, const Tensor& latent) {
    if (!hooks.on_latent) return;
    const std::vector<Tensor> rows = split_rows(be.download(latent));
    for (std::size_t j = 0; j < rows.size(); ++j) hooks.on_latent(j, t, rows[j]);
  };
  report_latents(0, x);
  SamplerHistory history;
  // A step takes minutes at large sizes on the CPU: a cancel stops its remaining ops, and the
  // step, partly computed, is dropped before anything reports it.
  const kernels::cpu::StopScope stoppable(hooks.cancelled ? &hooks.cancelled : nullptr);
  for (int k = run.first_step; k < run.steps(); ++k) {
    const int done = k - run.first_step;
    if (hooks.cancelled && hooks.cancelled())
      return fail("cancelled at step ", done, " of ", steps_run);
    const Tensor out = run.model_output(k, x);
    x = run.sampler.step(k, x, out, run.seeds, history);
    if (hooks.cancelled && hooks.cancelled())
      return fail("cancelled during step ", done + 1, " of ", steps_run);
    if (kept) {
      auto blended = with_kept_region(run, *kept, x, k + 1);
      if (!blended) return pass_on(blended);
      x = std::move(*blended);
    }
    report_latents(done + 1, x);
    if (hooks.on_progress)
      for (std::size_t j = 0; j < run.jobs.size(); ++j) hooks.on_progress(j, done + 1, steps_run);
  }
  return x;
}

Result<Tensor> upload_latent(const BatchRun& run, const Tensor& host, const char* what) {
  if (host.device() != Device::cpu || host.dtype() != DType::f32 || host.shape() != run.job_shape)
    return fail(what, " must be a host f32 tensor of shape ", shape_string(run.job_shape),
                ", found ", host.defined() ? host.describe() : std::string("an undefined tensor"));
  return run.p.backend->upload(host);
}

// x_{t+1} of a run from the committed x_t (and x_{t-1} where the sampler keeps history), with a
// masked pass's kept region put back as run_steps does: bytewise the full run's latent.
Result<Tensor> step_from(const BatchRun& run, int t, const Tensor& x_t, const Tensor* x_previous,
                         const KeptRegion* kept) {
  const int steps_run = run.steps_run();
  if (t < 0 || t >= steps_run)
    return fail("step ", t, " is outside the ", steps_run, " steps run [0, ", steps_run, ")");
  const int k = run.first_step + t;
  auto x = upload_latent(run, x_t, "the latent x_t");
  if (!x) return pass_on(x);
  SamplerHistory history;
  if (run.sampler.needs_history(k, run.first_step)) {
    if (x_previous == nullptr)
      return fail("replaying step ", t, " of ", sampler_kind_name(run.jobs.front().sampler),
                  " needs the previous latent x_", t - 1);
    auto prev = upload_latent(run, *x_previous, "the previous latent");
    if (!prev) return pass_on(prev);
    const Tensor prev_denoised = run.sampler.denoised(k - 1, *prev, run.model_output(k - 1, *prev));
    history = Sampler::history_at(k, run.first_step, prev_denoised);
  } else {
    history = Sampler::history_at(k, run.first_step, Tensor());
  }
  const Tensor out = run.model_output(k, *x);
  Tensor next = run.sampler.step(k, *x, out, run.seeds, history);
  if (kept) {
    auto blended = with_kept_region(run, *kept, next, k + 1);
    if (!blended) return pass_on(blended);
    next = std::move(*blended);
  }
  return run.p.backend->download(next);
}

// One pass checked and set up on the backend (schedule, sampler, text, x_0, a masked pass's kept
// region), handed to `body(run, x_0, kept)`. `text` null: only x_0 is asked for, no model output.
template <class Body>
Result<Tensor> with_pass(const LoadedPipeline& p, const SamplingPass& pass,
                         const PromptConditioning* text, const Tensor& noise, const Tensor* clean,
                         Body&& body) {
  const Shape& s = noise.shape();
  if (!noise.defined() || noise.device() != Device::cpu || noise.dtype() != DType::f32 ||
      s.size() != 4 || s[0] != 1 || s[1] != p.latent_channels)
    return fail("the noise must be a host f32 [1, ", p.latent_channels, ", h, w] tensor, found ",
                noise.defined() ? noise.describe() : std::string("an undefined tensor"));
  const int f = p.vae.config().downscale();
  GenerationSpec spec;
  spec.seed = pass.seed;
  spec.steps = pass.steps;
  spec.guidance = pass.guidance;
  spec.sampler = pass.sampler;
  spec.karras = pass.karras;
  spec.width = static_cast<int>(s[3]) * f;
  spec.height = static_cast<int>(s[2]) * f;
  auto prepared = prepare(p, std::span(&spec, 1), TextConditioning::skip);
  if (!prepared) return pass_on(prepared);
  BatchRun& run = *prepared;
  if (pass.first_step < 0 || pass.first_step >= pass.steps)
    return fail("the first step ", pass.first_step, " is outside the pass's ", pass.steps,
                " steps [0, ", pass.steps, ")");
  if (pass.first_step > 0 && clean == nullptr)
    return fail("a pass that starts at step ", pass.first_step,
                " needs a clean latent to noise to that step's level");
  if (text != nullptr) {
    if (text->guided != run.guided)
      return fail("guidance ", pass.guidance,
                  text->guided ? " is at most 1 but the prompt was encoded for guidance (with its "
                                 "negative prompt)"
                               : " is above 1 but the prompt was encoded without guidance");
    const Shape& c = text->context.shape();
    if (!text->context.defined() || text->context.device() != Device::cpu ||
        text->context.dtype() != DType::f32 || c.size() != 3 || c[0] != (text->guided ? 2 : 1) ||
        c[1] != p.text_encoder.config().max_position_embeddings ||
        c[2] != p.text_encoder.config().hidden_size)
      return fail("the prompt conditioning does not come from this model's text encoder");
    run.text_context = p.backend->upload(text->context);
  }
  run.first_step = pass.first_step;
  auto start_noise = upload_latent(run, noise, "the noise");
  if (!start_noise) return pass_on(start_noise);
  if (pass.mask.defined()) {
    const Shape& m = pass.mask.shape();
    if (clean == nullptr) return fail("a masked pass needs a clean latent to keep");
    if (pass.mask.device() != Device::cpu || pass.mask.dtype() != DType::f32 || m.size() != 4 ||
        m[0] != 1 || m[1] != 1 || m[2] != s[2] || m[3] != s[3])
      return fail("the mask must be a host f32 [1, 1, ", s[2], ", ", s[3], "] tensor, found ",
                  pass.mask.describe());
  }
  Tensor x0;
  KeptRegion kept;
  if (clean != nullptr) {
    auto clean_latent = upload_latent(run, *clean, "the clean latent");
    if (!clean_latent) return pass_on(clean_latent);
    x0 = run.sampler.noised_latent(*clean_latent, *start_noise, pass.first_step);
    kept = {*clean_latent, *start_noise, pass.mask};
  } else {
    x0 = run.sampler.initial_latent(*start_noise);
  }
  return body(run, std::move(x0), pass.mask.defined() ? &kept : nullptr);
}

}  // namespace

Result<Pipeline> Pipeline::load(const std::string& path, Backend& backend,
                                const CheckpointOptions& options) {
  auto checkpoint = load_checkpoint(path, options);
  if (!checkpoint) return pass_on(checkpoint);
  return load(*checkpoint, backend);
}

Result<Pipeline> Pipeline::load(Checkpoint& c, Backend& backend) {
  return device_guarded("loading the model", [&]() -> Result<Pipeline> {
    auto impl = std::make_shared<LoadedPipeline>();
    impl->backend = &backend;
    impl->model_id = c.model_id;
    impl->source = c.source;
    impl->scheduler_config = c.scheduler_config;
    if (c.vocab_path.empty() || c.merges_path.empty())
      return fail(c.source,
                  " carries no tokenizer (a single .safetensors file never does): pass --tokenizer "
                  "DIR (tokenizer_dir in a node config) naming the tokenizer/ folder of a "
                  "diffusers copy of the same model, the folder that holds vocab.json and "
                  "merges.txt");
    auto tokenizer = load_clip_tokenizer(c.vocab_path, c.merges_path);
    if (!tokenizer) return context(tokenizer.error(), "loading ", c.source);
    impl->tokenizer = std::move(*tokenizer);
    if (c.text_config.max_position_embeddings < 2)
      return fail(c.source, ": the text encoder's context of ",
                  c.text_config.max_position_embeddings,
                  " tokens cannot hold the start and end tokens");
    if (c.unet_config.in_channels != c.vae_config.latent_channels ||
        c.unet_config.out_channels != c.vae_config.latent_channels)
      return fail(c.source, ": the UNet maps ", c.unet_config.in_channels, " to ",
                  c.unet_config.out_channels, " channels but the VAE's latents have ",
                  c.vae_config.latent_channels, " (inpainting and depth models are not supported)");
    if (c.unet_config.cross_attention_dim != c.text_config.hidden_size)
      return fail(c.source, ": the UNet attends to ", c.unet_config.cross_attention_dim,
                  "-wide context but the text encoder produces ", c.text_config.hidden_size);
    auto text = ClipTextEncoder::load(c.text_encoder, c.text_config, backend);
    if (!text) return context(text.error(), "loading the text encoder of ", c.source);
    auto unet = UNet::load(c.unet, c.unet_config, backend);
    if (!unet) return context(unet.error(), "loading the UNet of ", c.source);
    auto vae = AutoencoderKL::load(c.vae, c.vae_config, backend);
    if (!vae) return context(vae.error(), "loading the VAE of ", c.source);
    impl->text_encoder = std::move(*text);
    impl->unet = std::move(*unet);
    impl->vae = std::move(*vae);
    impl->latent_channels = c.vae_config.latent_channels;
    impl->limits = render_limits_of(c.unet_config, c.vae_config);
    Pipeline p;
    p.impl_ = std::move(impl);
    return p;
  });
}

const std::string& Pipeline::model_id() const { return impl_->model_id; }
const std::string& Pipeline::source() const { return impl_->source; }
Backend& Pipeline::backend() const { return *impl_->backend; }
int Pipeline::size_multiple() const { return impl_->limits.size_multiple; }
const RenderLimits& Pipeline::limits() const { return impl_->limits; }

Result<void> Pipeline::validate(std::span<const GenerationSpec> batch) const {
  return validate_batch(*impl_, batch);
}

Result<TokenizedPrompt> Pipeline::tokenize(std::string_view prompt) const {
  return impl_->tokenizer.encode(prompt, impl_->text_encoder.config().max_position_embeddings);
}

Result<std::vector<GeneratedImage>> Pipeline::generate(std::span<const GenerationSpec> batch,
                                                       const GenerationHooks& hooks) const {
  return device_guarded("the render", [&]() -> Result<std::vector<GeneratedImage>> {
    auto prepared = prepare(*impl_, batch);
    if (!prepared) return pass_on(prepared);
    BatchRun& run = *prepared;
    Backend& be = *impl_->backend;
    auto x = run_steps(run, run.start_latent(), hooks);
    if (!x) return pass_on(x);

    Tensor images;
    {
      const kernels::cpu::StopScope stoppable(hooks.cancelled ? &hooks.cancelled : nullptr);
      images =
          be.download(impl_->vae.decode(be.scale(*x, 1.0f / impl_->vae.config().scaling_factor)));
      if (hooks.cancelled && hooks.cancelled())
        return fail("cancelled while decoding, after all ", run.steps_run(), " steps");
    }
    std::vector<RgbImage> pixels = images_from_tensor(images);
    std::vector<Tensor> finals = split_rows(be.download(*x));
    std::vector<GeneratedImage> out(batch.size());
    for (std::size_t j = 0; j < batch.size(); ++j) {
      out[j].image = std::move(pixels[j]);
      out[j].final_latent = std::move(finals[j]);
      out[j].prompt_tokens_dropped = run.prompt_dropped[j];
      out[j].negative_tokens_dropped = run.negative_dropped[j];
    }
    return out;
  });
}

Result<int> Pipeline::steps_run(const GenerationSpec& spec) const {
  if (auto ok = validate_batch(*impl_, std::span(&spec, 1)); !ok)
    return pass_on(ok);
  return spec.init_image ? spec.steps - img2img_first_step(spec.steps, spec.strength) : spec.steps;
}

Result<Tensor> Pipeline::initial_latent(const GenerationSpec& spec) const {
  return device_guarded("computing the initial latent", [&]() -> Result<Tensor> {
    auto prepared = prepare(*impl_, std::span(&spec, 1), TextConditioning::skip);
    if (!prepared) return pass_on(prepared);
    return impl_->backend->download(prepared->start_latent());
  });
}

Result<Tensor> Pipeline::replay_step(const GenerationSpec& spec, int t, const Tensor& x_t,
                                     const Tensor* x_previous) const {
  return device_guarded("replaying the step", [&]() -> Result<Tensor> {
    auto prepared = prepare(*impl_, std::span(&spec, 1));
    if (!prepared) return pass_on(prepared);
    return step_from(*prepared, t, x_t, x_previous, nullptr);
  });
}

Result<RgbImage> Pipeline::decode_latent(const Tensor& final_latent) const {
  return device_guarded("decoding the latent", [&]() -> Result<RgbImage> {
    const LoadedPipeline& p = *impl_;
    const Shape& s = final_latent.shape();
    if (final_latent.device() != Device::cpu || final_latent.dtype() != DType::f32 ||
        s.size() != 4 || s[0] != 1 || s[1] != p.latent_channels || s[2] < 1 || s[3] < 1 ||
        s[2] * p.vae.config().downscale() > kMaxImageSide ||
        s[3] * p.vae.config().downscale() > kMaxImageSide ||
        (s[2] * p.vae.config().downscale()) % p.limits.size_multiple != 0 ||
        (s[3] * p.vae.config().downscale()) % p.limits.size_multiple != 0)
      return fail(
          "a final latent must be a host f32 [1, ", p.latent_channels,
          ", h, w] tensor of a valid image size, found ",
          final_latent.defined() ? final_latent.describe() : std::string("an undefined tensor"));
    Backend& be = *p.backend;
    const Tensor image = be.download(
        p.vae.decode(be.scale(be.upload(final_latent), 1.0f / p.vae.config().scaling_factor)));
    return std::move(images_from_tensor(image).front());
  });
}

}  // namespace seedgrid

namespace seedgrid {

Result<PromptConditioning> Pipeline::encode_prompt(std::string_view prompt,
                                                   std::string_view negative_prompt,
                                                   bool guided) const {
  return device_guarded("encoding the prompt", [&]() -> Result<PromptConditioning> {
    GenerationSpec spec;
    spec.prompt = std::string(prompt);
    spec.negative_prompt = std::string(negative_prompt);
    auto text = encode_text(*impl_, std::span(&spec, 1), guided);
    if (!text) return pass_on(text);
    PromptConditioning out;
    out.context = impl_->backend->download(text->context);
    out.guided = guided;
    out.prompt_tokens_dropped = text->prompt_dropped.front();
    out.negative_tokens_dropped = text->negative_dropped.front();
    return out;
  });
}

Result<Tensor> Pipeline::latent_noise(int width, int height, std::uint64_t seed,
                                      NoiseStream stream) const {
  return device_guarded("making the noise", [&]() -> Result<Tensor> {
    const LoadedPipeline& p = *impl_;
    if (auto ok = validate_size(p, width, height); !ok) return pass_on(ok);
    const int f = p.vae.config().downscale();
    const std::uint64_t seeds[] = {seed};
    return p.backend->download(
        batch_noise(*p.backend, {1, p.latent_channels, height / f, width / f}, seeds, stream));
  });
}

Result<Tensor> Pipeline::encode_image(const RgbImage& image, std::uint64_t seed) const {
  return device_guarded("encoding the image", [&]() -> Result<Tensor> {
    const LoadedPipeline& p = *impl_;
    if (auto ok = validate_size(p, image.width, image.height); !ok)
      return context(ok.error(), "the image to encode");
    if (auto ok = validate_image(image, "the image to encode"); !ok)
      return pass_on(ok);
    const int f = p.vae.config().downscale();
    const RgbImage* images[] = {&image};
    const std::uint64_t seeds[] = {seed};
    return p.backend->download(
        clean_latents(p, images, {1, p.latent_channels, image.height / f, image.width / f}, seeds));
  });
}

Result<Tensor> Pipeline::sample(const SamplingPass& pass, const PromptConditioning& text,
                                const Tensor& noise, const Tensor* clean,
                                const GenerationHooks& hooks) const {
  return device_guarded("the sampler pass", [&]() -> Result<Tensor> {
    return with_pass(*impl_, pass, &text, noise, clean,
                     [&](const BatchRun& run, Tensor x0, const KeptRegion* kept) -> Result<Tensor> {
                       auto x = run_steps(run, std::move(x0), hooks, kept);
                       if (!x) return pass_on(x);
                       return impl_->backend->download(*x);
                     });
  });
}

Result<Tensor> Pipeline::pass_start(const SamplingPass& pass, const Tensor& noise,
                                    const Tensor* clean) const {
  return device_guarded("the pass's first latent", [&]() -> Result<Tensor> {
    return with_pass(*impl_, pass, nullptr, noise, clean,
                     [&](const BatchRun&, Tensor x0, const KeptRegion*) -> Result<Tensor> {
                       return impl_->backend->download(x0);
                     });
  });
}

Result<Tensor> Pipeline::replay_pass_step(const SamplingPass& pass, const PromptConditioning& text,
                                          const Tensor& noise, const Tensor* clean, int t,
                                          const Tensor& x_t, const Tensor* x_previous) const {
  return device_guarded("replaying the pass's step", [&]() -> Result<Tensor> {
    return with_pass(*impl_, pass, &text, noise, clean,
                     [&](const BatchRun& run, Tensor, const KeptRegion* kept) {
                       return step_from(run, t, x_t, x_previous, kept);
                     });
  });
}

}  // namespace seedgrid
