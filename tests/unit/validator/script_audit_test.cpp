// Scripted jobs on a worker's and a validator's renderer (tiny preset): a script is taken only
// when its bytes hash to its id; a job renders what run_task renders, with progress over all its
// passes and one root over them; a script's own failure carries task_script_failed and its line;
// and the validator's audit (the script run again) passes an honest job and fails a changed
// image, a forged root and a skipped pass.
#include <gtest/gtest.h>

#include <algorithm>

#include "actors/rendering/renderer.hpp"
#include "actors/validator/audit_runner.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/protocol/error_code.hpp"
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

  static std::vector<verify::AuditFinding> audit(const protocol::AuditTask& task) {
    return run_script_audit(renderer_->script(task.job.spec.task_script).get(),
                            renderer_->pipeline(task.job.spec.model_id),
                            renderer_->determinism_class(), task, verify::Thresholds{},
                            renderer_->input_images_of(task.job.spec));
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

}  // namespace
}  // namespace seedgrid::validator
