// What auditing a job of each shipped task script costs beside rendering it, both ways a validator
// audits one: the sampled audit a coordinator plans (noise of every pass, two step audits at leaves
// drawn as plan_scripted_audits draws them, decode), run as a validator runs it
// (validator::replay_scripted_audits over the worker's kept latents), and the full audit (the
// script run again and judged, verify::judge_rerender). Tiny preset on the CPU backend; image
// inputs (img2img, inpaint, outpaint) are a txt2img render and a centre mask. Every audit of the
// honest jobs must pass.
//
//   bench_task_audit_cost [--preset tiny] [--steps 20] [--size 64] [--runs 5] [--threads 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/rendering/scripted_job.hpp"
#include "actors/validator/scripted_replay.hpp"
#include "bench/task_script/preset_bench.hpp"
#include "config/calibrated_thresholds.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/task_script/job_params.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "runtime/base/verify/audits.hpp"

namespace {

using namespace seedgrid;
using bench::Clock;
using bench::median;
using bench::ms_since;

int die(const std::string& message) {
  std::fprintf(stderr, "bench_task_audit_cost: %s\n", message.c_str());
  return 1;
}

// White in the centre half, black around it: the region inpaint re-renders.
RgbImage centre_mask(int size) {
  RgbImage m{size, size, std::vector<std::uint8_t>(static_cast<std::size_t>(size) * size * 3, 0)};
  for (int y = size / 4; y < 3 * size / 4; ++y)
    for (int x = size / 4; x < 3 * size / 4; ++x)
      for (int c = 0; c < 3; ++c) m.pixels[(static_cast<std::size_t>(y) * size + x) * 3 + c] = 255;
  return m;
}

// A job of `script` as a coordinator specifies it: the request's fields, its parameters as text
// (sorted by name) and the passes the script declares for them.
Result<protocol::JobSpec> job_of(const task_script::TaskScript& script, int steps, int size,
                                 protocol::TaskParams params,
                                 const rendering::ImageLookup& images) {
  protocol::JobSpec s;
  s.model_id = "bench";
  s.task_type = script.schema().name;
  s.task_script = script.id();
  s.prompt = "a lighthouse at dusk";
  s.steps = static_cast<std::uint32_t>(steps);
  s.guidance = 7.5f;
  s.sampler = "euler";
  s.width = s.height = static_cast<std::uint32_t>(size);
  std::sort(params.begin(), params.end(), [](auto& a, auto& b) { return a.name < b.name; });
  s.params = std::move(params);
  task_script::JobInputs inputs{s.prompt, "",      s.steps, s.guidance, s.sampler,
                                false,    s.width, s.height, {}};
  for (const auto& p : s.params) inputs.params.push_back({p.name, p.value});
  inputs.image = images;
  auto resolved = task_script::job_params(script.schema(), inputs);
  if (!resolved) return pass_on(resolved);
  auto declared = script.declared_cost(*resolved);
  if (!declared) return pass_on(declared);
  for (const auto& pass : *declared)
    s.passes.push_back(
        {static_cast<std::uint32_t>(pass.steps), static_cast<std::uint64_t>(pass.pixels)});
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse_bench_options(argc, argv, {.runs = 5});
  if (!options) return die(options.error().message);
  const auto [preset, steps, size, runs, threads] = *options;
  auto model = bench::BenchModel::load(*options, "bench_task_audit_cost");
  if (!model) return die(model.error().message);
  const Pipeline& pipeline = (*model)->pipeline();
  const std::string tasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";
  auto load = [&](const std::string& name) {
    return task_script::TaskScript::read_file(tasks + name);
  };

  // The images the image tasks start from, by id.
  std::map<std::string, RgbImage> held;
  const rendering::ImageLookup images = [&held](const std::string& id) -> const RgbImage* {
    auto it = held.find(id);
    return it == held.end() ? nullptr : &it->second;
  };
  auto txt2img = load("txt2img.lua");
  if (!txt2img) return die(txt2img.error().message);
  auto start_spec = job_of(*txt2img, steps, size, {}, images);
  if (!start_spec) return die(start_spec.error().message);
  auto start = rendering::render_scripted_job(*txt2img, pipeline, *start_spec, {});
  if (!start) return die(start.error().message);
  const RgbImage init{size, size, start->pixels};
  const std::string init_id = protocol::input_image_id(init);
  const RgbImage mask = centre_mask(size);
  const std::string mask_id = protocol::input_image_id(mask);
  held.emplace(init_id, init);
  held.emplace(mask_id, mask);

  struct Case {
    std::string script;
    protocol::TaskParams params;
  };
  const std::vector<Case> cases{{"txt2img.lua", {}},
                                {"variation.lua", {}},
                                {"hires_fix.lua", {}},
                                {"img2img.lua", {{"init_image", init_id}}},
                                {"inpaint.lua", {{"init_image", init_id}, {"mask", mask_id}}},
                                {"outpaint.lua",
                                 {{"init_image", init_id}, {"left", "16"}, {"right", "16"}}}};
  config::AuditPolicy policy;
  policy.step_audits = 2;
  policy.full_rate = 0.0;
  const Digest secret = blake2b(std::string_view("bench audit salt"));
  std::printf("%s preset, %dx%d output, %d steps, %d thread(s), median of %d runs\n",
              preset.c_str(), size, size, steps, threads, runs);
  std::printf("| task | render | sampled audit (replay: noise, 2 steps, decode) | full audit "
              "(the script again) | sampled / render | full / render |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (const auto& c : cases) {
    auto script = load(c.script);
    if (!script) return die(script.error().message);
    std::vector<double> render, replay, full;
    for (int r = 0; r < runs; ++r) {
      auto spec = job_of(*script, steps, size, c.params, images);
      if (!spec) return die(c.script + ": " + spec.error().message);
      if (c.script == "outpaint.lua") spec->width += 32;  // the padded image is the output
      spec->seed = static_cast<std::uint64_t>(100 + r);
      auto t0 = Clock::now();
      auto delivered = rendering::render_scripted_job(*script, pipeline, *spec, {},
                                                      {.images = images, .keep_latents = true});
      render.push_back(ms_since(t0));
      if (!delivered) return die(c.script + ": " + delivered.error().message);

      protocol::AuditTask task;
      task.audit_id = "bench/" + std::to_string(r) + "#1";
      task.job.spec = *spec;
      task.claimed_pixels = delivered->pixels;
      task.claimed_output_hash = protocol::output_hash_of(task.claimed_pixels);
      task.has_commitment = true;
      task.commitment.trajectory_root = delivered->trajectory_root;
      task.commitment.leaf_count = delivered->leaf_count;
      std::vector<std::uint32_t> pass_steps;
      for (const auto& pass : spec->passes) pass_steps.push_back(pass.steps);
      task.audits = coordinator::plan_scripted_audits(secret, task.audit_id, pass_steps, policy);
      std::map<std::uint32_t, verify::LatentOpening> opened;  // what the worker sends, kept
      for (std::uint32_t t : validator::scripted_openings_needed(task))
        opened.emplace(t, *delivered->trajectory->open(t));
      t0 = Clock::now();
      const auto findings = validator::replay_scripted_audits(
          *script, pipeline, true, task, opened, config::kCalibratedThresholds, images);
      replay.push_back(ms_since(t0));
      for (const auto& f : findings)
        if (f.outcome != verify::FindingOutcome::pass)
          return die(c.script + ": the honest job failed its " +
                     std::string(verify::audit_kind_name(f.kind)) + " audit: " + f.detail);

      t0 = Clock::now();
      auto again = rendering::render_scripted_job(*script, pipeline, *spec, {}, {.images = images});
      if (!again) return die(c.script + ": " + again.error().message);
      const RgbImage delivered_image{static_cast<int>(spec->width),
                                     static_cast<int>(spec->height), delivered->pixels};
      const RgbImage again_image{delivered_image.width, delivered_image.height, again->pixels};
      const auto finding = verify::judge_rerender(
          {again_image, again->trajectory_root, again->leaf_count},
          {delivered_image, task.claimed_output_hash, delivered->trajectory_root,
           delivered->leaf_count},
          true, config::kCalibratedThresholds);
      full.push_back(ms_since(t0));
      if (finding.outcome != verify::FindingOutcome::pass)
        return die(c.script + ": the honest job failed its full audit: " + finding.detail);
    }
    std::printf("| %s | %.1f ms | %.1f ms | %.1f ms | %.1f %% | %.0f %% |\n", c.script.c_str(),
                median(render), median(replay), median(full),
                100.0 * median(replay) / median(render), 100.0 * median(full) / median(render));
  }
  return 0;
}
