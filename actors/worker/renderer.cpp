#include "actors/worker/renderer.hpp"

#include <algorithm>
#include <chrono>

#include "models/backend/cpu_backend.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/protocol/job_result.hpp"

namespace seedgrid::worker {

namespace {

Result<GenerationSpec> generation_spec_of(const protocol::JobSpec& s) {
  GenerationSpec g;
  g.prompt = s.prompt;
  g.negative_prompt = s.negative_prompt;
  g.seed = s.seed;
  g.steps = static_cast<int>(s.steps);
  g.guidance = s.guidance;
  auto sampler = parse_sampler_kind(s.sampler);
  if (!sampler) return std::unexpected(sampler.error());
  g.sampler = *sampler;
  g.karras = s.karras;
  g.width = static_cast<int>(s.width);
  g.height = static_cast<int>(s.height);
  return g;
}

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

std::vector<std::uint8_t> instant_pixels(const protocol::JobSpec& spec) {
  const Digest key = protocol::spec_hash(spec);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(spec.width) * spec.height * 3);
  std::uint64_t block = 0;
  for (std::size_t i = 0; i < pixels.size(); i += 32, ++block) {
    Blake2b h;
    h.update("seedgrid/instant/v1").update(key).update_u64(block);
    const Digest d = h.finish();
    std::copy_n(d.begin(), std::min<std::size_t>(32, pixels.size() - i), pixels.begin() + i);
  }
  return pixels;
}

Renderer::~Renderer() = default;

Result<std::shared_ptr<Renderer>> Renderer::load(const config::RenderingSection& section,
                                                 bool benchmark_tasks) {
  if (section.device != "cpu")
    return fail(
        "device '", section.device,
        "' is not available in this build (only the CPU backend is); set device to \"cpu\"");
  std::shared_ptr<Renderer> r(new Renderer());
  r->backend_ = std::make_unique<CpuBackend>(static_cast<int>(section.threads));
  r->determinism_class_ = r->backend_->determinism_class();
  r->device_ = "cpu";
  r->benchmark_tasks_ = benchmark_tasks;
  for (const auto& m : section.models) {
    CheckpointOptions options;
    options.tokenizer_dir = m.tokenizer_dir;
    auto pipeline = Pipeline::load(m.path, *r->backend_, options);
    if (!pipeline) return context(pipeline.error(), "loading model ", m.path);
    const std::string id = pipeline->model_id();
    r->pipelines_.emplace(id, std::make_unique<Pipeline>(std::move(*pipeline)));
  }
  if (r->pipelines_.empty()) return fail("no models to load");
  return r;
}

std::vector<std::string> Renderer::model_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, p] : pipelines_) ids.push_back(id);
  return ids;
}

std::vector<std::string> Renderer::task_types() const {
  std::vector<std::string> t{std::string(protocol::kTaskTxt2Img)};
  if (benchmark_tasks_) t.emplace_back(protocol::kTaskInstant);
  std::sort(t.begin(), t.end());
  return t;
}

bool Renderer::serves(const protocol::JobSpec& spec) const {
  const bool task = spec.task_type == protocol::kTaskTxt2Img ||
                    (benchmark_tasks_ && spec.task_type == protocol::kTaskInstant);
  return task && pipelines_.contains(spec.model_id);
}

bool Renderer::compatible(const protocol::JobSpec& a, const protocol::JobSpec& b) const {
  if (!protocol::batch_compatible(a, b)) return false;
  if (a.task_type == protocol::kTaskInstant) return true;
  auto ga = generation_spec_of(a), gb = generation_spec_of(b);
  return ga && gb && batch_incompatibility(*ga, *gb).empty();
}

Result<std::uint64_t> Renderer::measure_speed() const {
  const Pipeline& p = *pipelines_.begin()->second;
  const int side = std::max(64, p.size_multiple());
  GenerationSpec g;
  g.prompt = "speed probe";
  g.steps = 2;
  g.guidance = 7.5f;
  g.width = side;
  g.height = side;
  const auto start = std::chrono::steady_clock::now();
  auto images = p.generate(std::span<const GenerationSpec>(&g, 1));
  if (!images) return context(images.error(), "measuring the render speed");
  const std::int64_t ms = std::max<std::int64_t>(1, elapsed_ms(start));
  return static_cast<std::uint64_t>(side) * side * g.steps * 1000 / static_cast<std::uint64_t>(ms);
}

BatchOutcome Renderer::render_instant(std::span<const protocol::JobSpec> batch,
                                      const RenderHooks& hooks) const {
  BatchOutcome out;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    RenderedImage image;
    image.pixels = instant_pixels(batch[i]);
    image.trajectory_root = protocol::merkle_root({protocol::spec_hash(batch[i])});
    out.images.push_back(std::move(image));
    if (hooks.on_progress) hooks.on_progress(i, batch[i].steps, batch[i].steps);
  }
  out.render_ms = static_cast<std::uint64_t>(elapsed_ms(start));
  return out;
}

BatchOutcome Renderer::render(std::span<const protocol::JobSpec> batch,
                              const RenderHooks& hooks) const {
  BatchOutcome out;
  auto fail_all = [&](const std::string& message) {
    out.images.assign(batch.size(), std::unexpected(Error{message}));
    return out;
  };
  if (batch.empty()) return out;
  for (const auto& s : batch) {
    if (!serves(s))
      return fail_all("this worker does not serve model " + s.model_id + " with task " +
                      s.task_type);
    if (!compatible(batch.front(), s)) return fail_all("jobs of one batch are not compatible");
  }
  if (batch.front().task_type == protocol::kTaskInstant) return render_instant(batch, hooks);

  std::vector<GenerationSpec> specs;
  for (const auto& s : batch) {
    auto g = generation_spec_of(s);
    if (!g) return fail_all(g.error().message);
    specs.push_back(std::move(*g));
  }
  const Pipeline& pipeline = *pipelines_.at(batch.front().model_id);
  std::vector<std::vector<Digest>> leaves(batch.size());
  GenerationHooks g;
  g.on_progress = [&](std::size_t job, int step, int steps) {
    if (hooks.on_progress)
      hooks.on_progress(job, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(steps));
  };
  g.cancelled = hooks.cancelled;
  g.on_latent = [&](std::size_t job, int, const Tensor& latent) {
    const auto* bytes = static_cast<const std::uint8_t*>(latent.raw());
    leaves[job].push_back(blake2b(std::span<const std::uint8_t>(bytes, latent.bytes())));
  };
  const auto start = std::chrono::steady_clock::now();
  auto images = pipeline.generate(specs, g);
  out.render_ms = static_cast<std::uint64_t>(elapsed_ms(start));
  if (!images) {
    out.cancelled = hooks.cancelled && hooks.cancelled();
    return fail_all(images.error().message);
  }
  for (std::size_t i = 0; i < images->size(); ++i) {
    RenderedImage image;
    image.pixels = std::move((*images)[i].image.pixels);
    image.trajectory_root = protocol::merkle_root(leaves[i]);
    out.images.push_back(std::move(image));
  }
  return out;
}

}  // namespace seedgrid::worker
