#include <gtest/gtest.h>

#include <atomic>

#include <limits>

#include <filesystem>
#include <random>

#include "actors/rendering/renderer.hpp"
#include "actors/worker/commitment.hpp"
#include "actors/worker/job_queue.hpp"
#include "actors/worker/test_fault.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "tests/unit/worker/tiny_renderer.hpp"

namespace seedgrid::worker {
namespace {

using rendering::instant_pixels;
using rendering::Renderer;
using rendering::RenderHooks;

protocol::Job job(std::uint32_t index, std::uint32_t steps = 4, std::uint32_t size = 64) {
  protocol::Job j;
  j.request_id = "r";
  j.index = index;
  j.job_id = protocol::job_id_of("r", index);
  j.attempt = 1;
  j.spec.model_id = std::string(64, 'a');
  j.spec.prompt = "p" + std::to_string(index);
  j.spec.seed = index;
  j.spec.steps = steps;
  j.spec.guidance = 5.0f;
  j.spec.sampler = "euler";
  j.spec.width = size;
  j.spec.height = size;
  return j;
}

// Per job of a rendered batch: whether it failed as job_invalid (the code its error carries).
std::vector<bool> invalid_jobs(const rendering::BatchOutcome& out) {
  std::vector<bool> invalid;
  for (const auto& image : out.images)
    invalid.push_back(!image && protocol::code_of(image.error(), protocol::ErrorCode::ok) ==
                                    protocol::ErrorCode::job_invalid);
  return invalid;
}

TEST(JobQueue, BatchesTheOldestJobWithLaterCompatibleOnes) {
  JobQueue q;
  q.push(job(0));
  q.push(job(1, 8));  // other steps: not with job 0
  q.push(job(2));
  q.push(job(3));
  q.push(job(4));
  const Compatible same_steps = [](const protocol::JobSpec& a, const protocol::JobSpec& b) {
    return protocol::batch_compatible(a, b);
  };
  auto batch = q.take_batch(3, same_steps);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].index, 0u);
  EXPECT_EQ(batch[1].index, 2u);
  EXPECT_EQ(batch[2].index, 3u);
  batch = q.take_batch(3, same_steps);
  ASSERT_EQ(batch.size(), 1u);  // job 1 leads; job 4 does not fit with it
  EXPECT_EQ(batch[0].index, 1u);
  q.push_front({job(7), job(8)});
  EXPECT_TRUE(q.remove("r/8", 1));
  EXPECT_FALSE(q.remove("r/8", 1));
  EXPECT_FALSE(q.remove("r/4", 2));  // another attempt
  batch = q.take_batch(8, same_steps);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].index, 7u);
  EXPECT_EQ(batch[1].index, 4u);
  EXPECT_TRUE(q.empty());
}

class RendererTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() /
           ("seedgrid-renderer-" + std::to_string(std::random_device{}()));
    auto tiny = testing::load_tiny_renderer(dir_, true);
    ASSERT_TRUE(tiny.renderer);
    model_id_ = tiny.model_id;
    renderer_ = tiny.renderer;
  }
  static void TearDownTestSuite() {
    renderer_.reset();
    std::filesystem::remove_all(dir_);
  }
  protocol::JobSpec spec(std::uint64_t seed, const std::string& task = "txt2img") const {
    auto s = job(0).spec;
    s.model_id = model_id_;
    s.task_type = task;
    s.seed = seed;
    s.prompt = "a fox " + std::to_string(seed);
    return s;
  }
  static inline std::filesystem::path dir_;
  static inline std::string model_id_;
  static inline std::shared_ptr<Renderer> renderer_;
};

TEST_F(RendererTest, AdvertisesItsModelsTasksAndClass) {
  EXPECT_EQ(renderer_->model_ids(), std::vector<std::string>{model_id_});
  EXPECT_EQ(renderer_->task_types(), (std::vector<std::string>{"instant", "scripts", "txt2img"}));
  EXPECT_EQ(renderer_->device(), "cpu");
  EXPECT_EQ(renderer_->determinism_class().rfind("cpu-", 0), 0u);
  EXPECT_TRUE(renderer_->serves(spec(1)));
  auto other = spec(1);
  other.model_id = std::string(64, 'f');
  EXPECT_FALSE(renderer_->serves(other));
  auto speed = renderer_->measure_speed();
  ASSERT_TRUE(speed) << speed.error().message;
  EXPECT_GT(*speed, 0u);
}

TEST_F(RendererTest, BatchRenderIsByteIdenticalToSingleRenders) {
  const std::vector<protocol::JobSpec> batch{spec(1), spec(2), spec(3)};
  ASSERT_TRUE(renderer_->compatible(batch[0], batch[1]));
  std::size_t progress = 0;
  RenderHooks hooks;
  hooks.on_progress = [&](std::size_t, std::uint32_t, std::uint32_t) { ++progress; };
  auto together = renderer_->render(batch, hooks);
  ASSERT_EQ(together.images.size(), 3u);
  EXPECT_EQ(progress, 3u * 4u);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto alone = renderer_->render(std::span(&batch[i], 1), {});
    ASSERT_TRUE(alone.images[0] && together.images[i]);
    EXPECT_EQ(alone.images[0]->pixels, together.images[i]->pixels) << "job " << i;
    EXPECT_EQ(alone.images[0]->trajectory_root, together.images[i]->trajectory_root);
    EXPECT_EQ(alone.images[0]->pixels.size(), 64u * 64u * 3u);
  }
  EXPECT_NE(together.images[0]->pixels, together.images[1]->pixels);
}

TEST_F(RendererTest, CancellationStopsTheBatchBetweenSteps) {
  const std::vector<protocol::JobSpec> batch{spec(1), spec(2)};
  std::atomic<std::uint32_t> last_step{0};  // read by the kernels' threads too
  RenderHooks hooks;
  hooks.on_progress = [&](std::size_t, std::uint32_t step, std::uint32_t) { last_step = step; };
  hooks.cancelled = [&] { return last_step >= 2; };
  auto out = renderer_->render(batch, hooks);
  EXPECT_TRUE(out.cancelled);
  ASSERT_EQ(out.images.size(), 2u);
  EXPECT_FALSE(out.images[0]);
  EXPECT_EQ(last_step.load(), 2u);  // stopped right after step 2 of 4
}

TEST_F(RendererTest, RefusesWhatItDoesNotServe) {
  auto other = spec(1);
  other.model_id = std::string(64, 'f');
  auto out = renderer_->render(std::span(&other, 1), {});
  ASSERT_FALSE(out.images[0]);
  EXPECT_NE(out.images[0].error().message.find("does not serve model"), std::string::npos);
  const std::vector<protocol::JobSpec> mixed{spec(1), spec(2, "instant")};
  EXPECT_FALSE(renderer_->render(mixed, {}).images[0]);
  config::RenderingSection cuda;
  cuda.device = "cuda";
  cuda.models.push_back({"x", ""});
  auto refused = Renderer::load(cuda, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.rfind("device \"cuda\"", 0), 0u) << refused.error().message;
}

TEST_F(RendererTest, AJobOutsideItsModelsLimitsFailsAloneAsInvalid) {
  // Guidance is a job's own (jobs of one batch may differ in it): a NaN fails that job only.
  std::vector<protocol::JobSpec> batch{spec(1), spec(2), spec(3)};
  batch[1].guidance = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(renderer_->check_job(batch[0]));
  const auto invalid = renderer_->check_job(batch[1]);
  ASSERT_FALSE(invalid);
  EXPECT_NE(invalid.error().message.find("guidance"), std::string::npos);
  std::vector<std::size_t> progressed;
  RenderHooks hooks;
  hooks.on_progress = [&](std::size_t job, std::uint32_t, std::uint32_t) {
    progressed.push_back(job);
  };
  auto out = renderer_->render(batch, hooks);
  ASSERT_EQ(out.images.size(), 3u);
  ASSERT_EQ(invalid_jobs(out).size(), 3u);
  EXPECT_TRUE(out.images[0] && out.images[2]);
  EXPECT_FALSE(out.images[1]);
  EXPECT_EQ(invalid_jobs(out), (std::vector<bool>{false, true, false}));
  // Progress names the jobs by their place in the batch the worker sent.
  for (std::size_t job : progressed) EXPECT_NE(job, 1u);
  auto alone = renderer_->render(std::span(&batch[2], 1), {});
  ASSERT_TRUE(alone.images[0]);
  EXPECT_EQ(alone.images[0]->pixels, out.images[2]->pixels);
  // A size the model cannot render (the tiny model's multiple is 16).
  auto wide = spec(4);
  wide.width = 72;
  auto refused = renderer_->render(std::span(&wide, 1), {});
  ASSERT_FALSE(refused.images[0]);
  EXPECT_TRUE(invalid_jobs(refused)[0]);
  EXPECT_NE(refused.images[0].error().message.find("width 72 is not a multiple of 16"),
            std::string::npos)
      << refused.images[0].error().message;
}

TEST_F(RendererTest, Fp16StorageIsItsOwnClassAndSignsItsPrecision) {
  config::RenderingSection r;
  r.models.push_back({(dir_ / "tiny").string(), ""});
  r.precision = "f16";
  r.threads = 1;
  auto f16 = Renderer::load(r, false);
  ASSERT_TRUE(f16) << f16.error().message;
  EXPECT_EQ(renderer_->precision(), "f32");
  EXPECT_EQ((*f16)->precision(), "f16");
  EXPECT_NE((*f16)->determinism_class().find("-f16s-"), std::string::npos);
  const std::vector<protocol::JobSpec> batch{spec(1), spec(2)};
  auto together = (*f16)->render(batch, {});
  auto alone = (*f16)->render(std::span(&batch[0], 1), {});
  auto reference = renderer_->render(std::span(&batch[0], 1), {});
  ASSERT_TRUE(together.images[0] && alone.images[0] && reference.images[0]);
  EXPECT_EQ(together.images[0]->pixels, alone.images[0]->pixels);
  EXPECT_NE(alone.images[0]->pixels, reference.images[0]->pixels) << "f16 storage changed nothing";
}

TEST_F(RendererTest, InstantTaskIsADeterministicFunctionOfTheSpec) {
  const auto s = spec(5, "instant");
  auto out = renderer_->render(std::span(&s, 1), {});
  ASSERT_TRUE(out.images[0]);
  EXPECT_EQ(out.images[0]->pixels, instant_pixels(s));
  EXPECT_EQ(instant_pixels(s).size(), 64u * 64u * 3u);
  EXPECT_NE(instant_pixels(s), instant_pixels(spec(6, "instant")));
}

TEST_F(RendererTest, CommitsToEveryLatentAndItsResultPassesTheShapeChecks) {
  const auto s = spec(7);
  auto out = renderer_->render(std::span(&s, 1), {});
  ASSERT_TRUE(out.images[0]) << out.images[0].error().message;
  const auto& image = *out.images[0];
  ASSERT_TRUE(image.trajectory);
  EXPECT_EQ(image.trajectory->leaf_count(), s.steps + 1);
  EXPECT_EQ(image.trajectory->root(), image.trajectory_root);
  protocol::Job j = job(0);
  j.spec = s;
  protocol::JobResult r;
  r.job_id = j.job_id;
  r.attempt = j.attempt;
  r.spec_hash = protocol::spec_hash(s);
  r.model_id = s.model_id;
  r.width = s.width;
  r.height = s.height;
  r.pixels = image.pixels;
  r.output_hash = protocol::output_hash_of(r.pixels);
  r.trajectory_root = image.trajectory_root;
  fill_commitment(r, s, renderer_->precision(), image.trajectory.get());
  EXPECT_EQ(r.leaf_count, s.steps + 1);
  EXPECT_EQ(r.final_latent.size(),
            static_cast<std::size_t>(image.trajectory->latent(s.steps).numel()));
  // The shipped openings verify against the committed root.
  EXPECT_TRUE(
      verify::merkle_verify(r.trajectory_root, image.trajectory->leaves()[0], r.initial_proof));
  EXPECT_TRUE(
      verify::merkle_verify(r.trajectory_root, image.trajectory->leaves()[s.steps], r.final_proof));
  const Identity worker = Identity::from_seed({9});
  protocol::sign_result(r, worker);
  EXPECT_TRUE(protocol::check_result(r, worker.public_key(), j).ok())
      << protocol::check_result(r, worker.public_key(), j).reason;
  // Every commitment field is signed.
  auto tampered = r;
  tampered.final_latent[0] += 1.0f;
  EXPECT_EQ(protocol::check_result(tampered, worker.public_key(), j).code,
            protocol::ErrorCode::bad_signature);
  // A commitment with a leaf missing is refused even when signed.
  auto short_one = r;
  short_one.leaf_count = s.steps;
  protocol::sign_result(short_one, worker);
  auto refused = protocol::check_result(short_one, worker.public_key(), j);
  EXPECT_EQ(refused.code, protocol::ErrorCode::mismatch);
  EXPECT_NE(refused.reason.find("leaf_count"), std::string::npos) << refused.reason;
}

TEST(TestFaults, RefusedUnlessTheBuildHasThem) {
  EXPECT_EQ(parse_test_fault("none").value_or(TestFault::stall), TestFault::none);
  EXPECT_FALSE(parse_test_fault("sabotage"));
  // Every cheat of the zoo is a valid test fault in a test build, and refused elsewhere.
  EXPECT_EQ(parse_test_fault("forged_trajectory").has_value(), test_faults_enabled());
  EXPECT_EQ(parse_test_fault("wrong_seed").value_or(TestFault::none),
            test_faults_enabled() ? TestFault::cheat : TestFault::none);
  auto wrong = parse_test_fault("wrong_image");
  EXPECT_EQ(wrong.has_value(), test_faults_enabled());
  if (!wrong) {
    EXPECT_NE(wrong.error().message.find("SEEDGRID_TEST_FAULTS"), std::string::npos);
    EXPECT_NE(wrong.error().message.find("$.worker.test_fault"), std::string::npos);
    return;
  }
  // A wrong image still carries a valid signature: only an audit can tell.
  protocol::Job j = job(0);
  protocol::JobResult r;
  r.job_id = j.job_id;
  r.attempt = 1;
  r.spec_hash = protocol::spec_hash(j.spec);
  r.model_id = j.spec.model_id;
  r.width = r.height = 64;
  r.pixels.assign(64 * 64 * 3, 10);
  r.output_hash = protocol::output_hash_of(r.pixels);
  j.spec.task_type = "instant";  // no latents: a one-leaf commitment
  r.spec_hash = protocol::spec_hash(j.spec);
  fill_commitment(r, j.spec, "f32", nullptr);
  const Identity worker = Identity::from_seed({4});
  protocol::sign_result(r, worker);
  const auto honest = r.pixels;
  apply_test_fault(*wrong, r, worker);
  EXPECT_NE(r.pixels, honest);
  EXPECT_TRUE(protocol::check_result(r, worker.public_key(), j).ok());
  apply_test_fault(TestFault::bad_signature, r, worker);
  EXPECT_EQ(protocol::check_result(r, worker.public_key(), j).code,
            protocol::ErrorCode::bad_signature);
}

}  // namespace
}  // namespace seedgrid::worker
