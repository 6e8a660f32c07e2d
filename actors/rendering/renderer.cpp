#include "actors/rendering/renderer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "actors/rendering/scripted_job.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "actors/worker/cheats/scripted_cheat.hpp"
#include "config/model_thresholds.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/crypto/keystream.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "runtime/base/verify/committed_job.hpp"

namespace seedgrid::rendering {

namespace {

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

// A keystream keyed by the spec: v1 hashed each 32 bytes with BLAKE2b (384 hashes for a 64x64
// image, a fifth of the dispatch bench's CPU for a task meant to cost nothing); ChaCha20 makes the
// same amount of bytes about twenty times faster.
std::vector<std::uint8_t> instant_pixels(const protocol::JobSpec& spec) {
  Blake2b key;
  key.update("seedgrid/instant/v2").update(protocol::spec_hash(spec));
  return keystream(key.finish(), static_cast<std::size_t>(spec.width) * spec.height * 3);
}

Renderer::~Renderer() = default;

Result<std::shared_ptr<Renderer>> Renderer::load(const config::RenderingSection& section,
                                                 bool benchmark_tasks) {
  const BackendChoice choice{section.device, section.precision, static_cast<int>(section.threads)};
  auto precision = resolve_precision(choice.device, choice.precision);
  if (!precision) return pass_on(precision);
  auto backend = open_backend(choice);
  if (!backend) return pass_on(backend);
  std::shared_ptr<Renderer> r(new Renderer());
  r->backend_ = std::move(*backend);
  r->determinism_class_ = r->backend_->determinism_class();
  r->device_ = section.device;
  r->precision_ = *precision;
  r->benchmark_tasks_ = benchmark_tasks;
  for (const auto& m : section.models) {
    CheckpointOptions options;
    options.tokenizer_dir = m.tokenizer_dir;
    auto pipeline = Pipeline::load(m.path, *r->backend_, options);
    if (!pipeline) return context(pipeline.error(), "loading model ", m.path);
    const std::string id = pipeline->model_id();
    auto thresholds = config::read_model_thresholds(m.path);
    if (!thresholds) return context(thresholds.error(), "loading model ", m.path);
    if (*thresholds) r->calibrated_.emplace(id, **thresholds);
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
  std::vector<std::string> t{std::string(protocol::kTaskTxt2Img),
                             std::string(protocol::kTaskScripts)};
  if (benchmark_tasks_) t.emplace_back(protocol::kTaskInstant);
  std::sort(t.begin(), t.end());
  return t;
}

const Pipeline* Renderer::pipeline(const std::string& model_id) const {
  auto it = pipelines_.find(model_id);
  return it == pipelines_.end() ? nullptr : it->second.get();
}

std::optional<config::ValidatorThresholds> Renderer::calibrated_thresholds(
    const std::string& model_id) const {
  auto it = calibrated_.find(model_id);
  if (it == calibrated_.end()) return std::nullopt;
  return it->second;
}

bool Renderer::serves(const protocol::JobSpec& spec) const {
  const bool task = spec.scripted() || spec.task_type == protocol::kTaskTxt2Img ||
                    (benchmark_tasks_ && spec.task_type == protocol::kTaskInstant);
  return task && pipelines_.contains(spec.model_id);
}

bool Renderer::compatible(const protocol::JobSpec& a, const protocol::JobSpec& b) const {
  if (!protocol::batch_compatible(a, b)) return false;
  if (a.task_type == protocol::kTaskInstant) return true;
  auto ga = verify::generation_spec_of(a), gb = verify::generation_spec_of(b);
  return ga && gb && batch_incompatibility(*ga, *gb).empty();
}

Result<void> Renderer::add_script(const std::string& id, const std::string& file_name,
                                  std::string source) const {
  auto script = task_script::TaskScript::fetched(id, std::move(source), file_name);
  if (!script) return pass_on(script);
  std::lock_guard lock(scripts_mutex_);
  scripts_.emplace(id, std::make_shared<const task_script::TaskScript>(std::move(*script)));
  return {};
}

bool Renderer::has_script(const std::string& id) const { return script(id) != nullptr; }

Result<void> Renderer::add_input_image(const std::string& id, RgbImage image) const {
  if (auto ok = protocol::check_input_image(image, std::numeric_limits<std::uint32_t>::max(),
                                            std::numeric_limits<std::uint32_t>::max(),
                                            "image " + id.substr(0, 12));
      !ok)
    return ok;
  if (const std::string actual = protocol::input_image_id(image); actual != id)
    return fail("the image sent for id ", id, " hashes to ", actual,
                ": refused (an input image is trusted by its pixels, not its name)");
  std::lock_guard lock(scripts_mutex_);
  if (!input_images_.emplace(id, std::make_shared<const RgbImage>(std::move(image))).second)
    return {};
  input_image_order_.push_back(id);
  while (input_image_order_.size() > kKeptInputImages) {
    input_images_.erase(input_image_order_.front());
    input_image_order_.pop_front();
  }
  return {};
}

std::vector<std::string> Renderer::missing_input_images(const protocol::JobSpec& spec) const {
  const auto script = this->script(spec.task_script);
  if (!script) return {};
  std::vector<std::string> missing;
  std::lock_guard lock(scripts_mutex_);
  for (auto& named : images_named(*script, spec))
    if (!input_images_.contains(named.id)) missing.push_back(std::move(named.id));
  return missing;
}

ImageLookup Renderer::input_images_of(const protocol::JobSpec& spec) const {
  const auto script = this->script(spec.task_script);
  if (!script) return nullptr;
  auto held = std::make_shared<std::map<std::string, std::shared_ptr<const RgbImage>>>();
  {
    std::lock_guard lock(scripts_mutex_);
    for (const auto& named : images_named(*script, spec))
      if (auto it = input_images_.find(named.id); it != input_images_.end())
        held->emplace(named.id, it->second);
  }
  if (held->empty()) return nullptr;
  return [held](const std::string& id) -> const RgbImage* {
    auto it = held->find(id);
    return it == held->end() ? nullptr : it->second.get();
  };
}

std::shared_ptr<const task_script::TaskScript> Renderer::script(const std::string& id) const {
  std::lock_guard lock(scripts_mutex_);
  auto it = scripts_.find(id);
  return it == scripts_.end() ? nullptr : it->second;
}

Result<void> Renderer::check_job(const protocol::JobSpec& spec) const {
  if (spec.task_type != protocol::kTaskTxt2Img) return {};
  const Pipeline* p = pipeline(spec.model_id);
  if (p == nullptr) return {};  // not served here: the worker's fault, not the job's
  auto g = verify::generation_spec_of(spec);
  if (!g) return std::unexpected(protocol::with_code(g.error(), protocol::ErrorCode::job_invalid));
  auto fits = check_render_parameters(p->limits(), *g);
  if (!fits)
    return std::unexpected(protocol::with_code(fits.error(), protocol::ErrorCode::job_invalid));
  return {};
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

Result<void> Renderer::enable_cheat(worker::Cheat cheat) {
  auto kit = worker::make_cheat_kit(cheat, *pipelines_.begin()->second, *backend_);
  if (!kit)
    return context(kit.error(), "building the cheat kit for '", worker::cheat_name(cheat), "'");
  cheat_kit_ = std::make_shared<const worker::CheatKit>(std::move(*kit));
  return {};
}

BatchOutcome Renderer::render_cheating(std::span<const GenerationSpec> specs,
                                       const RenderHooks& hooks) const {
  BatchOutcome out;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    GenerationHooks g;
    g.on_progress = [&](std::size_t, int step, int steps) {
      if (hooks.on_progress)
        hooks.on_progress(i, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(steps));
    };
    g.cancelled = hooks.cancelled;
    auto cheated = worker::render_cheating(cheat_kit_->cheat, *cheat_kit_, specs[i], g);
    if (!cheated) {
      out.cancelled = hooks.cancelled && hooks.cancelled();
      out.images.push_back(std::unexpected(cheated.error()));
      continue;
    }
    RenderedImage image;
    image.pixels = std::move(cheated->image.pixels);
    auto trajectory = std::make_shared<verify::Trajectory>(std::move(cheated->trajectory));
    image.trajectory_root = trajectory->root();
    image.trajectory = std::move(trajectory);
    out.images.push_back(std::move(image));
  }
  out.render_ms = static_cast<std::uint64_t>(elapsed_ms(start));
  return out;
}

BatchOutcome Renderer::render_script(const protocol::JobSpec& spec,
                                     const RenderHooks& hooks) const {
  BatchOutcome out;
  const auto script = this->script(spec.task_script);
  if (!script) {
    out.images.push_back(std::unexpected(Error{"task script " + spec.task_script.substr(0, 12) +
                                               " (" + spec.task_type + ") is not loaded here"}));
    return out;
  }
  const auto start = std::chrono::steady_clock::now();
  // A cheating worker (test builds) cheats inside the script where its cheat has a form there.
  ScriptedJobOptions options;
  options.images = input_images_of(spec);
  options.keep_latents = true;  // opened for the audits of its passes
  if (cheat_kit_)
    options.alter_pass = worker::scripted_cheat(cheat_kit_->cheat, spec.passes.size());
  out.images.push_back(
      render_scripted_job(*script, *pipelines_.at(spec.model_id), spec, hooks, options));
  out.render_ms = static_cast<std::uint64_t>(elapsed_ms(start));
  out.cancelled = !out.images.back() && hooks.cancelled && hooks.cancelled();
  return out;
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
  std::vector<protocol::JobSpec> valid;
  std::vector<std::size_t> index_of;  // batch index of each valid job
  std::vector<Result<void>> checks;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    checks.push_back(check_job(batch[i]));
    if (checks.back()) {
      index_of.push_back(i);
      valid.push_back(batch[i]);
    }
  }
  if (valid.size() == batch.size()) return render_valid(batch, hooks);
  RenderHooks sub = hooks;
  if (hooks.on_progress)
    sub.on_progress = [&](std::size_t job, std::uint32_t step, std::uint32_t steps) {
      hooks.on_progress(index_of[job], step, steps);
    };
  BatchOutcome rendered = valid.empty() ? BatchOutcome{} : render_valid(valid, sub);
  out.cancelled = rendered.cancelled;
  out.render_ms = rendered.render_ms;
  std::size_t next = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!checks[i]) {
      out.images.push_back(std::unexpected(checks[i].error()));
    } else {
      out.images.push_back(std::move(rendered.images[next++]));
    }
  }
  return out;
}

BatchOutcome Renderer::render_valid(std::span<const protocol::JobSpec> batch,
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
    if (batch.size() > 1 && !compatible(batch.front(), s))
      return fail_all("jobs of one batch are not compatible");
  }
  if (batch.front().scripted()) return render_script(batch.front(), hooks);  // renders alone
  if (batch.front().task_type == protocol::kTaskInstant) return render_instant(batch, hooks);

  std::vector<GenerationSpec> specs;
  for (const auto& s : batch) {
    auto g = verify::generation_spec_of(s);
    if (!g) return fail_all(g.error().message);
    specs.push_back(std::move(*g));
  }
  if (cheat_kit_) return render_cheating(specs, hooks);
  const Pipeline& pipeline = *pipelines_.at(batch.front().model_id);
  std::vector<std::shared_ptr<verify::Trajectory>> trajectories(batch.size());
  for (auto& t : trajectories) t = std::make_shared<verify::Trajectory>();
  GenerationHooks g;
  g.on_progress = [&](std::size_t job, int step, int steps) {
    if (hooks.on_progress)
      hooks.on_progress(job, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(steps));
  };
  g.cancelled = hooks.cancelled;
  g.on_latent = [&](std::size_t job, int t, const Tensor& latent) {
    trajectories[job]->record(static_cast<std::uint32_t>(t), latent);
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
    image.trajectory_root = trajectories[i]->root();
    image.trajectory = std::move(trajectories[i]);
    out.images.push_back(std::move(image));
  }
  return out;
}

}  // namespace seedgrid::rendering
