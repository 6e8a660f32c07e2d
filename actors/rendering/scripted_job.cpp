#include "actors/rendering/scripted_job.hpp"

#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/task_script/job_params.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::rendering {
namespace {

Error script_failed(Error e) {
  return protocol::with_code(std::move(e), protocol::ErrorCode::task_script_failed);
}

// The passes the script declares for this job must be the ones the coordinator priced and put in
// the spec: a script file that changed under the same id cannot, but a worker checks what it runs.
Result<void> check_passes(const task_script::TaskScript& script, const protocol::JobSpec& spec,
                          const std::vector<task_script::PassCost>& declared) {
  bool same = declared.size() == spec.passes.size();
  for (std::size_t i = 0; same && i < declared.size(); ++i)
    same = declared[i].steps == static_cast<std::int64_t>(spec.passes[i].steps) &&
           declared[i].pixels == static_cast<std::int64_t>(spec.passes[i].pixels);
  if (same) return {};
  return fail(script.file_name(), ": cost() declares ", declared.size(),
              " pass(es) for this job's parameters, the coordinator priced ", spec.passes.size(),
              " (or other steps or pixels)");
}

}  // namespace

Result<ScriptedJobPlan> plan_scripted_job(const task_script::TaskScript& script,
                                          const protocol::JobSpec& spec,
                                          const ImageLookup& images) {
  task_script::JobInputs inputs{spec.prompt,   spec.negative_prompt, spec.steps,
                                spec.guidance, spec.sampler,         spec.karras,
                                spec.width,    spec.height,          {}};
  for (const auto& p : spec.params) inputs.params.push_back({p.name, p.value});
  inputs.image = images;
  auto params = task_script::job_params(script.schema(), inputs);
  if (!params)
    return std::unexpected(
        script_failed(Error{script.file_name() + ": " + params.error().message}));
  auto declared = script.declared_cost(*params);
  if (!declared) return std::unexpected(script_failed(declared.error()));
  if (auto same = check_passes(script, spec, *declared); !same)
    return std::unexpected(script_failed(same.error()));
  return ScriptedJobPlan{std::move(*params), std::move(*declared)};
}

Result<RenderedImage> render_scripted_job(const task_script::TaskScript& script,
                                          const Pipeline& pipeline, const protocol::JobSpec& spec,
                                          const RenderHooks& hooks,
                                          const ScriptedJobOptions& options) {
  auto plan = plan_scripted_job(script, spec, options.images);
  if (!plan) return pass_on(plan);
  task_script::TaskHooks task_hooks;
  if (hooks.on_progress)
    task_hooks.on_progress = [&](std::uint32_t done, std::uint32_t steps) {
      hooks.on_progress(0, done, steps);
    };
  task_hooks.cancelled = hooks.cancelled;
  task_hooks.alter_pass = options.alter_pass;
  task_hooks.keep_latents = options.keep_latents;
  auto out =
      task_script::run_task(script, pipeline, plan->params, spec.seed, task_hooks, &plan->declared);
  if (!out) {
    if (hooks.cancelled && hooks.cancelled()) return pass_on(out);
    return std::unexpected(script_failed(out.error()));
  }
  // A job delivers one image: its receipt, price and audits are per image.
  if (out->images.size() != 1)
    return std::unexpected(
        script_failed(Error{script.file_name() + ": run returned " +
                            std::to_string(out->images.size()) + " images; a job delivers one"}));
  const auto& image = out->images.front();
  if (image.width != static_cast<int>(spec.width) || image.height != static_cast<int>(spec.height))
    return std::unexpected(script_failed(
        Error{script.file_name() + ": run returned a " + std::to_string(image.width) + " x " +
              std::to_string(image.height) + " image for a " + std::to_string(spec.width) + " x " +
              std::to_string(spec.height) + " job"}));
  RenderedImage rendered;
  rendered.pixels = image.pixels;
  rendered.trajectory_root = out->trajectory_root;
  rendered.leaf_count = out->leaf_count;
  if (options.keep_latents) {
    auto trajectory = std::make_shared<verify::Trajectory>();
    for (auto& pass : out->passes)
      for (std::size_t t = 0; t < pass.latents.size(); ++t)
        trajectory->append(std::move(pass.latents[t]), pass.leaves[t]);
    rendered.trajectory = std::move(trajectory);
  }
  return rendered;
}

std::vector<NamedImage> images_named(const task_script::TaskScript& script,
                                     const protocol::JobSpec& spec) {
  std::vector<NamedImage> named;
  for (const auto& p : spec.params)
    if (const auto* declared = script.schema().find(p.name);
        declared != nullptr && declared->type == task_script::ParamType::image)
      named.push_back({p.name, p.value});
  return named;
}

Result<verify::ScriptedRerender> rerender_scripted(const task_script::TaskScript& script,
                                                   const Pipeline& pipeline,
                                                   const protocol::JobSpec& spec,
                                                   const std::map<std::string, RgbImage>& images,
                                                   std::string_view how_to_give) {
  // Each image the job names must be here: a missing one is the auditor's to give, not a failure.
  for (const auto& p : images_named(script, spec))
    if (!images.contains(p.id))
      return fail("the job's ", p.param, " is image ", p.id.substr(0, 12),
                  "..., which is not among the ", images.size(), " image(s) given: ",
                  how_to_give);
  const ImageLookup lookup = [&images](const std::string& id) -> const RgbImage* {
    auto it = images.find(id);
    return it == images.end() ? nullptr : &it->second;
  };
  auto rendered = render_scripted_job(script, pipeline, spec, {}, {.images = lookup});
  if (!rendered) return context(rendered.error(), "running ", script.file_name(), " again");
  return verify::ScriptedRerender{
      {static_cast<int>(spec.width), static_cast<int>(spec.height), std::move(rendered->pixels)},
      rendered->trajectory_root,
      rendered->leaf_count};
}

}  // namespace seedgrid::rendering
