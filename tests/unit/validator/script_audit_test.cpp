// Scripted jobs on a worker's and a validator's renderer (tiny preset): a script is taken only
// when its bytes hash to its id; a job renders what run_task renders, with progress over all its
// passes and one root over them; a script's own failure carries task_script_failed and its line;
// the validator's full audit (the script run again) passes an honest job and fails a changed
// image, a forged root and a skipped pass; and its replay over the worker's openings (noise of each
// pass, every step of every pass, decode) passes honest jobs of two passes and of a mask, and
// catches the cheat zoo's scripted cheats, an ignored mask, forged openings and changed pixels.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "actors/rendering/renderer.hpp"
#include "actors/rendering/scripted_job.hpp"
#include "actors/validator/audit_runner.hpp"
#include "actors/worker/cheats/scripted_cheat.hpp"
#include "config/calibrated_thresholds.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/task_script/job_params.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "tests/unit/validator/tiny_model.hpp"

namespace seedgrid::validator {
namespace {

using verify::AuditKind;
using verify::FindingOutcome;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

task_script::TaskScript shipped(const std::string& name) {
  auto s = task_script::TaskScript::read_file(std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/" +
                                              name);
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

// Fails on odd seeds, at its own line 5.
constexpr const char* kOddSeeds = R"(name = "odd_seeds"
params = { { name = "steps", type = "int", min = 1, max = 50, default = 3 } }
function cost(p) return { { steps = p.steps, pixels = 64 * 64 } } end
function run(p, seed)
  if seed % 2 == 1 then error("odd seeds are not drawn") end
  local prompt = sd.encode_prompt("odd", "", 5)
  return sd.decode(sd.sample { prompt = prompt, noise = sd.noise(64, 64, seed), steps = p.steps,
                               guidance = 5, seed = seed })
end
)";

class ScriptedJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { renderer_ = testing::tiny_renderer(); }
  static void TearDownTestSuite() { renderer_.reset(); }

  // A job of `script` as the coordinator specifies it: the request's fields, its parameters and
  // the passes the script declares for them.
  static protocol::JobSpec job_of(const task_script::TaskScript& script, std::uint64_t seed,
                                  protocol::TaskParams params = {}) {
    protocol::JobSpec s;
    s.model_id = testing::tiny_model().model_id;
    s.task_type = script.schema().name;
    s.prompt = "a red lighthouse";
    s.seed = seed;
    s.steps = 3;
    s.guidance = 5.0f;
    s.sampler = "euler";
    s.width = 64;
    s.height = 64;
    s.task_script = script.id();
    s.params = std::move(params);
    task_script::JobInputs inputs{s.prompt, s.negative_prompt, s.steps,  s.guidance, s.sampler,
                                  s.karras, s.width,           s.height, {}};
    for (const auto& p : s.params) inputs.params.push_back({p.name, p.value});
    inputs.image = renderer_->input_images_of(s);  // the script must be added first
    auto resolved = task_script::job_params(script.schema(), inputs);
    EXPECT_TRUE(resolved) << resolved.error().message;
    auto declared = script.declared_cost(*resolved);
    EXPECT_TRUE(declared) << declared.error().message;
    for (const auto& pass : *declared)
      s.passes.push_back(
          {static_cast<std::uint32_t>(pass.steps), static_cast<std::uint64_t>(pass.pixels)});
    return s;
  }

  static void add(const task_script::TaskScript& script) {
    auto added = renderer_->add_script(script.id(), script.file_name(), script.source());
    ASSERT_TRUE(added) << added.error().message;
  }

  // What a worker delivers for `spec` and the task auditing it (the full audit alone).
  static protocol::AuditTask delivered(const protocol::JobSpec& spec) {
    auto out = renderer_->render(std::span(&spec, 1), {});
    EXPECT_TRUE(out.images[0]) << out.images[0].error().message;
    protocol::AuditTask task;
    task.audit_id = "a1";
    task.job.job_id = "r/0";
    task.job.spec = spec;
    task.claimed_pixels = out.images[0]->pixels;
    task.claimed_output_hash = protocol::output_hash_of(task.claimed_pixels);
    task.claimed_determinism_class = renderer_->determinism_class();
    task.has_commitment = true;
    task.commitment.trajectory_root = out.images[0]->trajectory_root;
    task.commitment.leaf_count = out.images[0]->leaf_count;
    task.audits = {verify::audit_item(AuditKind::full)};
    return task;
  }

  static std::vector<verify::AuditFinding> audit(const protocol::AuditTask& task,
                                                 const protocol::Opening& opening = {}) {
    return run_script_audit(renderer_->script(task.job.spec.task_script).get(),
                            renderer_->pipeline(task.job.spec.model_id),
                            renderer_->determinism_class(), task, opening,
                            config::kCalibratedThresholds,
                            renderer_->input_images_of(task.job.spec));
  }

  static const Identity& worker_key() {
    static const Identity k = Identity::from_seed({23});
    return k;
  }

  // What a worker delivers for `spec` (rendered with `alter_pass`, a cheat, when given) and keeps
  // to open, audited by a replay of every audit it can run: noise, every step of every pass, and
  // decode.
  struct Replayed {
    protocol::AuditTask task;
    std::shared_ptr<const verify::Trajectory> trajectory;
  };
  static Replayed delivered_for_replay(const protocol::JobSpec& spec,
                                       worker::PassAlteration alter_pass = nullptr,
                                       const rendering::Renderer* worker = nullptr) {
    const rendering::Renderer& by = worker != nullptr ? *worker : *renderer_;
    const auto script = renderer_->script(spec.task_script);
    EXPECT_TRUE(script);
    auto image = rendering::render_scripted_job(
        *script, *by.pipeline(spec.model_id), spec, {},
        {.images = renderer_->input_images_of(spec), .keep_latents = true,
         .alter_pass = std::move(alter_pass)});
    EXPECT_TRUE(image) << image.error().message;
    protocol::AuditTask task;
    task.audit_id = "r/0#1";
    task.job.job_id = "r/0";
    task.job.attempt = 1;
    task.job.spec = spec;
    task.worker = worker_key().public_key();
    task.claimed_pixels = image->pixels;
    task.claimed_output_hash = protocol::output_hash_of(task.claimed_pixels);
    task.claimed_determinism_class = by.determinism_class();
    task.has_commitment = true;
    task.commitment.trajectory_root = image->trajectory_root;
    task.commitment.leaf_count = image->leaf_count;
    task.audits = {verify::audit_item(AuditKind::noise)};
    std::uint32_t first = 0;
    for (const auto& pass : spec.passes) {
      for (std::uint32_t t = 0; t < pass.steps; ++t)
        task.audits.push_back(verify::audit_item(AuditKind::step, first + t));
      first += pass.steps + 1;
    }
    task.audits.push_back(verify::audit_item(AuditKind::decode, first - 1));
    return {task, image->trajectory};
  }

  // The worker's signed answer to the task's opening request, from what it kept.
  static protocol::Opening opened(const Replayed& r) {
    protocol::Opening o;
    o.audit_id = r.task.audit_id;
    o.job_id = r.task.job.job_id;
    o.attempt = r.task.job.attempt;
    o.worker = worker_key().public_key();
    for (std::uint32_t t : openings_needed(r.task)) {
      auto opening = r.trajectory->open(t);
      EXPECT_TRUE(opening) << opening.error().message;
      if (opening) o.openings.push_back(protocol::wire_opening(*opening));
    }
    protocol::sign_opening(o, worker_key());
    return o;
  }

  // The findings of one kind that did not pass, as "kind step: detail" lines.
  static std::string not_passed(const std::vector<verify::AuditFinding>& findings) {
    std::string out;
    for (const auto& f : findings)
      if (f.outcome != FindingOutcome::pass)
        out += std::string(verify::audit_kind_name(f.kind)) + " " + std::to_string(f.step) +
               ": " + f.detail + "\n";
    return out;
  }
  static std::size_t failed_of(const std::vector<verify::AuditFinding>& findings, AuditKind kind) {
    return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [&](auto& f) {
      return f.kind == kind && f.outcome == FindingOutcome::fail;
    }));
  }

  // A 64 x 64 image to start from, and a mask white on its left half.
  static std::pair<std::string, std::string> inpaint_inputs() {
    RgbImage init{64, 64, std::vector<std::uint8_t>(64 * 64 * 3)};
    RgbImage mask{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 0)};
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x)
        for (int c = 0; c < 3; ++c) {
          init.pixels[(y * 64 + x) * 3 + c] = static_cast<std::uint8_t>((x * 4 + y * (c + 1)) & 255);
          if (x < 32) mask.pixels[(y * 64 + x) * 3 + c] = 255;
        }
    const std::string init_id = protocol::input_image_id(init), mask_id = protocol::input_image_id(mask);
    EXPECT_TRUE(renderer_->add_input_image(init_id, init));
    EXPECT_TRUE(renderer_->add_input_image(mask_id, mask));
    return {init_id, mask_id};
  }

  static inline std::shared_ptr<rendering::Renderer> renderer_;
};

TEST_F(ScriptedJobTest, AScriptIsTakenOnlyWhenItsBytesHashToItsId) {
  const auto script = shipped("variation.lua");  // no other test adds it
  const std::string forged(64, 'e');
  auto refused = renderer_->add_script(forged, "variation.lua", script.source());
  ASSERT_FALSE(refused);
  EXPECT_TRUE(contains(refused.error().message, forged)) << refused.error().message;
  EXPECT_TRUE(contains(refused.error().message, script.id())) << refused.error().message;
  EXPECT_FALSE(renderer_->has_script(forged));
  const auto types = renderer_->task_types();
  EXPECT_NE(std::find(types.begin(), types.end(), "scripts"), types.end());
  // A worker serves every script of its models, and fetches one before its first job: a job
  // of a script it does not have fails as the worker's own problem, not the script's.
  const auto spec = job_of(script, 7);
  EXPECT_TRUE(renderer_->serves(spec));
  auto unloaded = renderer_->render(std::span(&spec, 1), {});
  ASSERT_FALSE(unloaded.images[0]);
  EXPECT_TRUE(contains(unloaded.images[0].error().message, "is not loaded here"));
  EXPECT_EQ(protocol::code_of(unloaded.images[0].error(), protocol::ErrorCode::ok),
            protocol::ErrorCode::ok);
}

TEST_F(ScriptedJobTest, AJobRendersWhatTheScriptRendersWithOneRootOverItsPasses) {
  const auto script = shipped("hires_fix.lua");
  add(script);
  const auto spec = job_of(script, 11, {{"denoise", "0.5"}, {"hires_steps", "4"}, {"scale", "2"}});
  std::vector<std::pair<std::uint32_t, std::uint32_t>> progress;
  rendering::RenderHooks hooks;
  hooks.on_progress = [&](std::size_t, std::uint32_t done, std::uint32_t steps) {
    progress.emplace_back(done, steps);
  };
  auto out = renderer_->render(std::span(&spec, 1), hooks);
  ASSERT_TRUE(out.images[0]) << out.images[0].error().message;

  task_script::JobInputs inputs{spec.prompt, "", spec.steps, spec.guidance, spec.sampler, false,
                                64,          64, {}};
  for (const auto& p : spec.params) inputs.params.push_back({p.name, p.value});
  auto params = task_script::job_params(script.schema(), inputs);
  ASSERT_TRUE(params) << params.error().message;
  auto direct = task_script::run_task(script, *renderer_->pipeline(spec.model_id), *params, 11);
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(out.images[0]->pixels, direct->images[0].pixels);
  EXPECT_EQ(out.images[0]->trajectory_root, direct->trajectory_root);
  // 3 steps at 32 x 32, then half of a 4-step schedule at the image's 64 x 64: 4 + 3 leaves.
  EXPECT_EQ(out.images[0]->leaf_count, 7u);
  EXPECT_EQ(out.images[0]->pixels.size(), 64u * 64 * 3);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected{
      {1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}};
  EXPECT_EQ(progress, expected) << "progress counts the job's steps over both passes";
}

TEST_F(ScriptedJobTest, AScriptsOwnFailureCarriesItsCodeAndLine) {
  auto script = task_script::TaskScript::from_source(kOddSeeds, "odd_seeds.lua");
  ASSERT_TRUE(script) << script.error().message;
  add(*script);
  auto spec = job_of(*script, 3);
  auto out = renderer_->render(std::span(&spec, 1), {});
  ASSERT_FALSE(out.images[0]);
  EXPECT_EQ(protocol::code_of(out.images[0].error(), protocol::ErrorCode::ok),
            protocol::ErrorCode::task_script_failed);
  EXPECT_TRUE(contains(out.images[0].error().message, "odd_seeds.lua:5: odd seeds are not drawn"))
      << out.images[0].error().message;
  EXPECT_FALSE(out.cancelled);
  // Passes other than the priced ones are the script's failure too, before anything renders.
  spec.seed = 4;
  spec.passes[0].steps = 2;
  out = renderer_->render(std::span(&spec, 1), {});
  ASSERT_FALSE(out.images[0]);
  EXPECT_EQ(protocol::code_of(out.images[0].error(), protocol::ErrorCode::ok),
            protocol::ErrorCode::task_script_failed);
  EXPECT_TRUE(contains(out.images[0].error().message, "the coordinator priced"))
      << out.images[0].error().message;
}

TEST_F(ScriptedJobTest, TheAuditRunsTheScriptAgainAndCatchesWhatDiffers) {
  const auto script = shipped("hires_fix.lua");
  add(script);
  const auto spec = job_of(script, 5, {{"hires_steps", "4"}, {"scale", "2"}});
  const auto honest = delivered(spec);
  auto findings = audit(honest);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].outcome, FindingOutcome::pass) << findings[0].detail;

  auto changed = honest;
  changed.claimed_pixels[100] ^= 0x40;
  changed.claimed_output_hash = protocol::output_hash_of(changed.claimed_pixels);
  findings = audit(changed);
  EXPECT_EQ(findings[0].outcome, FindingOutcome::fail) << findings[0].detail;

  // A worker that skipped the second pass and upscaled the small image cannot commit the root
  // of two passes: its own root is of the one it ran.
  auto skipped = honest;
  skipped.commitment.trajectory_root = verify::merkle_root(std::vector<Digest>{Digest{}});
  skipped.commitment.leaf_count = 4;
  findings = audit(skipped);
  EXPECT_EQ(findings[0].outcome, FindingOutcome::fail) << findings[0].detail;
  EXPECT_TRUE(contains(findings[0].detail, "trajectory root")) << findings[0].detail;

  auto unknown = honest;
  unknown.job.spec.task_script = std::string(64, '0');
  findings = audit(unknown);
  EXPECT_TRUE(contains(findings[0].detail, "task script is not loaded here")) << findings[0].detail;
}

TEST_F(ScriptedJobTest, AReplayOverTheWorkersOpeningsPassesHonestJobsOfTwoPassesAndOfAMask) {
  const auto hires = shipped("hires_fix.lua");
  add(hires);
  const auto inpaint = shipped("inpaint.lua");
  add(inpaint);
  auto two_passes = job_of(hires, 5, {{"hires_steps", "4"}, {"scale", "2"}});
  auto multistep = job_of(hires, 6, {{"denoise", "0.7"}, {"hires_steps", "6"}, {"scale", "2"}});
  multistep.sampler = "dpmpp_2m";  // its step audits need the previous latent of their pass
  const auto [init, mask] = inpaint_inputs();
  const auto masked = job_of(inpaint, 7, {{"init_image", init}, {"mask", mask}, {"strength", "0.8"}});
  for (const protocol::JobSpec* spec :
       std::array<const protocol::JobSpec*, 3>{&two_passes, &multistep, &masked}) {
    SCOPED_TRACE(spec->task_type + " " + spec->sampler);
    const auto r = delivered_for_replay(*spec);
    const auto findings = audit(r.task, opened(r));
    EXPECT_EQ(not_passed(findings), "");
    std::size_t steps = 0;
    for (const auto& pass : spec->passes) steps += pass.steps;
    // A noise finding per pass, a step finding per step, and the decode: no full re-run.
    EXPECT_EQ(findings.size(), spec->passes.size() + steps + 1);
    EXPECT_EQ(std::count_if(findings.begin(), findings.end(),
                            [](auto& f) { return f.kind == AuditKind::full; }),
              0);
  }
  // The replay asks for each pass's first and last latent, and around each step audited.
  auto sampled = delivered_for_replay(two_passes).task;
  sampled.audits = {verify::audit_item(AuditKind::noise), verify::audit_item(AuditKind::step, 5),
                    verify::audit_item(AuditKind::decode, 6)};
  EXPECT_EQ(openings_needed(sampled), (std::vector<std::uint32_t>{0, 3, 4, 5, 6}));
}

TEST_F(ScriptedJobTest, AReplayCatchesTheCheatZoosScriptedCheatsAndAnIgnoredMask) {
  const auto hires = shipped("hires_fix.lua");
  add(hires);
  const auto spec = job_of(hires, 8, {{"denoise", "1"}, {"hires_steps", "4"}, {"scale", "2"}});
  // fewer_steps: the second pass runs half its steps and forges the leaves it skipped, which
  // cannot be opened at their place in the tree.
  auto cut = delivered_for_replay(spec, worker::scripted_cheat(worker::Cheat::fewer_steps, 2));
  auto findings = audit(cut.task, opened(cut));
  EXPECT_GT(failed_of(findings, AuditKind::step) + failed_of(findings, AuditKind::decode), 0u)
      << not_passed(findings);
  // other_sampler: each pass starts from another sampler's first latent and steps by its rule.
  auto other = delivered_for_replay(spec, worker::scripted_cheat(worker::Cheat::other_sampler, 2));
  findings = audit(other.task, opened(other));
  EXPECT_GT(failed_of(findings, AuditKind::noise), 0u) << not_passed(findings);
  EXPECT_GT(failed_of(findings, AuditKind::step), 0u) << not_passed(findings);

  // A worker that ignores the mask starts where an honest one does (the same noised latent) but
  // every step renders what should be kept: the step audits fail, the noise audit passes.
  const auto inpaint = shipped("inpaint.lua");
  add(inpaint);
  const auto [init, mask] = inpaint_inputs();
  const auto masked = job_of(inpaint, 9, {{"init_image", init}, {"mask", mask}});
  auto unmasked =
      delivered_for_replay(masked, worker::scripted_cheat(worker::Cheat::ignored_mask, 1));
  findings = audit(unmasked.task, opened(unmasked));
  EXPECT_EQ(failed_of(findings, AuditKind::noise), 0u) << not_passed(findings);
  EXPECT_EQ(failed_of(findings, AuditKind::step), masked.passes[0].steps) << not_passed(findings);
}

TEST_F(ScriptedJobTest, AReplayFailsForgedOpeningsChangedPixelsAndNoAnswer) {
  const auto hires = shipped("hires_fix.lua");
  add(hires);
  const auto spec = job_of(hires, 10, {{"hires_steps", "4"}, {"scale", "2"}});
  const auto honest = delivered_for_replay(spec);

  // Pixels that the committed passes do not decode to.
  auto changed = honest;
  changed.task.claimed_pixels[7] ^= 0x10;
  changed.task.claimed_output_hash = protocol::output_hash_of(changed.task.claimed_pixels);
  auto findings = audit(changed.task, opened(changed));
  EXPECT_EQ(failed_of(findings, AuditKind::decode), 1u) << not_passed(findings);
  EXPECT_EQ(failed_of(findings, AuditKind::step), 0u) << not_passed(findings);

  // A latent opened in place of the first pass's last one does not verify: the replay stops there.
  auto forged = opened(honest);
  for (auto& w : forged.openings)
    if (w.t == 3) w.latent[0] += 1.0f;
  protocol::sign_opening(forged, worker_key());
  findings = audit(honest.task, forged);
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings.back().kind, AuditKind::decode);
  EXPECT_EQ(findings.back().outcome, FindingOutcome::fail);
  EXPECT_TRUE(contains(findings.back().detail, "does not verify")) << findings.back().detail;

  // A worker that cannot open (its store expired) fails the audit; a full audit planned beside
  // the replay still runs.
  protocol::Opening none;
  none.error = "no trajectory for r/0 attempt 1";
  auto with_full = honest.task;
  with_full.audits.push_back(verify::audit_item(AuditKind::full));
  findings = audit(with_full, none);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].outcome, FindingOutcome::fail);
  EXPECT_TRUE(contains(findings[0].detail, "no opening")) << findings[0].detail;
  EXPECT_EQ(findings[1].kind, AuditKind::full);
  EXPECT_EQ(findings[1].outcome, FindingOutcome::pass) << findings[1].detail;
}

// A worker storing fp16 (cpu-f16s) audited by an fp32 validator: the first latent of a pass that
// starts from an earlier pass or an encoded image differs by rounding, within tolerance; steps and
// the image are judged by the thresholds. Nothing honest fails, and a cheat still does.
TEST_F(ScriptedJobTest, AReplayAcrossClassesPassesAnHonestFp16WorkerAndCatchesACheat) {
  auto section = testing::tiny_rendering();
  section.precision = "f16";
  auto fp16 = rendering::Renderer::load(section, false);
  ASSERT_TRUE(fp16) << fp16.error().message;
  ASSERT_NE((*fp16)->determinism_class(), renderer_->determinism_class());
  const auto hires = shipped("hires_fix.lua");
  add(hires);
  const auto inpaint = shipped("inpaint.lua");
  add(inpaint);
  const auto [init, mask] = inpaint_inputs();
  const auto two_passes = job_of(hires, 12, {{"hires_steps", "4"}, {"scale", "2"}});
  const auto masked = job_of(inpaint, 13, {{"init_image", init}, {"mask", mask}, {"strength", "0.8"}});
  for (const protocol::JobSpec* spec : std::array<const protocol::JobSpec*, 2>{&two_passes, &masked}) {
    SCOPED_TRACE(spec->task_type);
    const auto r = delivered_for_replay(*spec, nullptr, fp16->get());
    const auto findings = audit(r.task, opened(r));
    for (const auto& f : findings)
      EXPECT_EQ(f.outcome, FindingOutcome::pass)
          << verify::audit_kind_name(f.kind) << " " << f.step << ": " << f.detail;
    // Pure noise is the same bits in every class; an encoded image is not.
    EXPECT_TRUE(contains(findings.front().detail, spec == &two_passes ? "bytes equal"
                                                                      : "relative difference"))
        << findings.front().detail;
  }
  auto other = delivered_for_replay(two_passes,
                                    worker::scripted_cheat(worker::Cheat::other_sampler, 2),
                                    fp16->get());
  const auto findings = audit(other.task, opened(other));
  EXPECT_GT(failed_of(findings, AuditKind::noise), 0u) << not_passed(findings);
}

// Every shipped task type, replayed with every step audited: an honest job passes every audit,
// and a worker running its passes with another sampler (the zoo's other_sampler) fails one.
TEST_F(ScriptedJobTest, EveryShippedTaskTypeIsReplayedAndItsCheatCaught) {
  const auto [init, mask] = inpaint_inputs();
  const std::vector<std::pair<std::string, protocol::TaskParams>> types{
      {"txt2img.lua", {}},
      {"variation.lua", {{"strength", "0.3"}, {"variation_seed", "9"}}},
      {"hires_fix.lua", {{"hires_steps", "4"}, {"scale", "2"}}},
      {"img2img.lua", {{"init_image", init}, {"strength", "0.7"}}},
      {"inpaint.lua", {{"init_image", init}, {"mask", mask}}},
      {"outpaint.lua", {{"init_image", init}, {"left", "16"}, {"right", "16"}}},
  };
  for (const auto& [file, params] : types) {
    SCOPED_TRACE(file);
    const auto script = shipped(file);
    add(script);
    auto spec = job_of(script, 21, params);
    if (file == "outpaint.lua") spec.width = 96;  // the image and its margins
    const auto honest = delivered_for_replay(spec);
    auto findings = audit(honest.task, opened(honest));
    EXPECT_EQ(not_passed(findings), "");
    EXPECT_GE(findings.size(), spec.passes.size() + 2);
    const auto cheat = delivered_for_replay(
        spec, worker::scripted_cheat(worker::Cheat::other_sampler, spec.passes.size()));
    findings = audit(cheat.task, opened(cheat));
    EXPECT_GT(failed_of(findings, AuditKind::noise) + failed_of(findings, AuditKind::step), 0u)
        << not_passed(findings);
  }
}

// A failure two workers claimed, with no result: upheld when the script fails here with the same
// message; a job it renders, or a failure of another message, is a fail; without the script here
// it is grey.
TEST_F(ScriptedJobTest, AClaimedScriptFailureIsUpheldOnlyWhenTheScriptFailsAlike) {
  auto script = task_script::TaskScript::from_source(kOddSeeds, "odd_seeds.lua");
  ASSERT_TRUE(script) << script.error().message;
  add(*script);
  auto claim = [&](std::uint64_t seed, const std::string& message) {
    protocol::AuditTask task;
    task.audit_id = "r/0#2";
    task.job.job_id = "r/0";
    task.job.spec = job_of(*script, seed);
    task.claimed_failure = message;
    task.audits = {verify::audit_item(AuditKind::full)};
    return task;
  };
  const std::string failure = "odd_seeds.lua:5: odd seeds are not drawn";
  auto f = audit(claim(3, failure));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].outcome, FindingOutcome::pass) << f[0].detail;
  EXPECT_TRUE(contains(f[0].detail, "fails the same way")) << f[0].detail;
  f = audit(claim(3, "odd_seeds.lua:9: something else"));
  EXPECT_EQ(f[0].outcome, FindingOutcome::fail) << f[0].detail;
  EXPECT_TRUE(contains(f[0].detail, failure)) << f[0].detail;
  f = audit(claim(4, failure));
  EXPECT_EQ(f[0].outcome, FindingOutcome::fail) << f[0].detail;
  EXPECT_TRUE(contains(f[0].detail, "renders this job here")) << f[0].detail;
  auto unknown = claim(3, failure);
  unknown.job.spec.task_script = std::string(64, '0');
  f = audit(unknown);
  EXPECT_EQ(f[0].outcome, FindingOutcome::grey) << f[0].detail;
}

}  // namespace
}  // namespace seedgrid::validator
