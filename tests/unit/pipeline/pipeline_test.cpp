#include "models/pipeline/pipeline.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include "models/backend/cpu_backend.hpp"
#include "preset_model.hpp"
#include "tiny_pipeline.hpp"

namespace seedgrid {
namespace {

using testing::same_bytes;

class PipelineTest : public testing::TinyPipelineSuite {
 protected:

  static GenerationSpec spec(SamplerKind sampler = SamplerKind::euler, std::uint64_t seed = 7) {
    GenerationSpec s;
    s.prompt = "a red fox in the snow, highly detailed";
    s.negative_prompt = "blurry";
    s.seed = seed;
    s.steps = 4;
    s.guidance = 6.5f;
    s.sampler = sampler;
    s.width = 64;
    s.height = 64;
    return s;
  }

  static std::vector<GeneratedImage> render(std::vector<GenerationSpec> specs,
                                            GenerationHooks hooks = {}) {
    auto r = pipeline_->generate(specs, hooks);
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : std::vector<GeneratedImage>{};
  }

  // Every x_t of one job, t = 0 .. steps run.
  static std::vector<Tensor> trajectory(const GenerationSpec& s) {
    std::vector<Tensor> xs;
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t job, int t, const Tensor& x) {
      EXPECT_EQ(job, 0u);
      EXPECT_EQ(t, static_cast<int>(xs.size()));
      xs.push_back(x);
    };
    render({s}, hooks);
    return xs;
  }

  static std::string error_of(std::vector<GenerationSpec> specs) {
    auto r = pipeline_->generate(specs);
    return r ? std::string("<no error>") : r.error().message;
  }
};


TEST_F(PipelineTest, RendersTheRequestedSize) {
  const auto out = render({spec()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].image.width, 64);
  EXPECT_EQ(out[0].image.height, 64);
  EXPECT_EQ(out[0].image.pixels.size(), 64u * 64 * 3);
  EXPECT_EQ(out[0].final_latent.shape(), (Shape{1, 4, 8, 8}));
  // Random weights still give a picture with some variety, not one flat colour.
  std::set<std::uint8_t> values(out[0].image.pixels.begin(), out[0].image.pixels.end());
  EXPECT_GT(values.size(), 8u);
  EXPECT_EQ(pipeline_->size_multiple(), 16);
}

TEST_F(PipelineTest, SameJobTwiceGivesIdenticalBytes) {
  for (SamplerKind k : {SamplerKind::euler, SamplerKind::euler_ancestral, SamplerKind::ddim,
                        SamplerKind::dpmpp_2m}) {
    const auto a = render({spec(k)});
    const auto b = render({spec(k)});
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].image, b[0].image) << sampler_kind_name(k);
    EXPECT_TRUE(same_bytes(a[0].final_latent, b[0].final_latent)) << sampler_kind_name(k);
  }
  // and another seed renders another image
  EXPECT_NE(render({spec(SamplerKind::euler, 8)})[0].image, render({spec()})[0].image);
}

TEST_F(PipelineTest, AJobAloneAndInABatchOfFourGiveIdenticalBytes) {
  for (SamplerKind k : {SamplerKind::euler_ancestral, SamplerKind::dpmpp_2m}) {
    std::vector<GenerationSpec> batch;
    for (std::uint64_t i = 0; i < 4; ++i) {
      GenerationSpec s = spec(k, 100 + i * 17);
      s.prompt =
          "prompt number " + std::to_string(i) + (i == 2 ? " with a longer tail of words" : "");
      s.negative_prompt = i % 2 ? "ugly" : "";
      s.guidance = 3.0f + static_cast<float>(i);
      batch.push_back(s);
    }
    const auto together = render(batch);
    ASSERT_EQ(together.size(), 4u);
    for (std::size_t j : {0u, 2u, 3u}) {
      const auto alone = render({batch[j]});
      ASSERT_EQ(alone.size(), 1u);
      EXPECT_EQ(alone[0].image, together[j].image) << sampler_kind_name(k) << " job " << j;
      EXPECT_TRUE(same_bytes(alone[0].final_latent, together[j].final_latent))
          << sampler_kind_name(k) << " job " << j;
    }
  }
}

TEST_F(PipelineTest, EveryStepReplaysToTheSameBytes) {
  for (SamplerKind k : {SamplerKind::euler, SamplerKind::euler_ancestral, SamplerKind::ddim,
                        SamplerKind::dpmpp_2m}) {
    GenerationSpec s = spec(k, 31);
    s.karras = k != SamplerKind::ddim;
    const std::vector<Tensor> xs = trajectory(s);
    ASSERT_EQ(xs.size(), 5u) << sampler_kind_name(k);
    auto start = pipeline_->initial_latent(s);
    ASSERT_TRUE(start) << start.error().message;
    EXPECT_TRUE(same_bytes(*start, xs[0])) << sampler_kind_name(k);
    for (int t = 0; t < 4; ++t) {
      const Tensor* prev = t > 0 ? &xs[static_cast<std::size_t>(t - 1)] : nullptr;
      auto next = pipeline_->replay_step(s, t, xs[static_cast<std::size_t>(t)], prev);
      ASSERT_TRUE(next) << next.error().message;
      EXPECT_TRUE(same_bytes(*next, xs[static_cast<std::size_t>(t + 1)]))
          << sampler_kind_name(k) << " step " << t;
    }
    auto image = pipeline_->decode_latent(xs.back());
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(*image, render({s})[0].image) << sampler_kind_name(k);
  }
}

TEST_F(PipelineTest, Img2imgStartsFromTheEncodedImage) {
  GenerationSpec s = spec(SamplerKind::euler_ancestral, 5);
  s.steps = 6;
  s.init_image = render({spec()})[0].image;
  s.strength = 0.5f;
  auto steps = pipeline_->steps_run(s);
  ASSERT_TRUE(steps) << steps.error().message;
  EXPECT_EQ(*steps, 3);
  const std::vector<Tensor> xs = trajectory(s);
  ASSERT_EQ(xs.size(), 4u);
  EXPECT_TRUE(same_bytes(*pipeline_->initial_latent(s), xs[0]));
  for (int t = 0; t < 3; ++t) {
    auto next = pipeline_->replay_step(s, t, xs[static_cast<std::size_t>(t)]);
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_TRUE(same_bytes(*next, xs[static_cast<std::size_t>(t + 1)])) << "step " << t;
  }
  const auto a = render({s}), b = render({s});
  EXPECT_EQ(a[0].image, b[0].image);
  GenerationSpec txt2img = s;
  txt2img.init_image.reset();
  EXPECT_NE(a[0].image, render({txt2img})[0].image);
}

TEST_F(PipelineTest, RendersWithoutGuidanceAtScaleOne) {
  GenerationSpec s = spec();
  s.guidance = 1.0f;
  s.negative_prompt = "ignored without guidance";
  const auto a = render({s});
  s.negative_prompt = "something else";
  EXPECT_EQ(render({s})[0].image, a[0].image);
}

TEST_F(PipelineTest, ReportsProgressAndStopsWhenCancelled) {
  std::vector<std::pair<std::size_t, int>> seen;
  GenerationHooks hooks;
  hooks.on_progress = [&](std::size_t job, int step, int steps) {
    EXPECT_EQ(steps, 4);
    seen.emplace_back(job, step);
  };
  render({spec(), spec(SamplerKind::euler, 9)}, hooks);
  EXPECT_EQ(seen, (std::vector<std::pair<std::size_t, int>>{
                      {0, 1}, {1, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {0, 4}, {1, 4}}));

  // Raised once step 2 is reported: the render stops before step 3 begins.
  std::atomic<int> steps_reported{0};
  hooks.on_progress = [&](std::size_t, int, int) { ++steps_reported; };
  hooks.cancelled = [&] { return steps_reported.load() >= 2; };
  std::vector<GenerationSpec> one{spec()};
  auto r = pipeline_->generate(one, hooks);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cancelled at step 2 of 4");
}

// The kernels poll the cancel inside a step too: a cancel raised while the first step runs stops
// it part-way, and nothing of that step (progress, its latent) is reported.
TEST_F(PipelineTest, ACancelStopsTheStepInProgress) {
  std::atomic<int> polls{0};
  std::vector<int> latents_reported;
  int progress_reports = 0;
  GenerationHooks hooks;
  hooks.on_progress = [&](std::size_t, int, int) { ++progress_reports; };
  hooks.on_latent = [&](std::size_t, int t, const Tensor&) { latents_reported.push_back(t); };
  // Poll 1 is the check before step 1; the next ones come from the kernels' ranges in it.
  hooks.cancelled = [&] { return ++polls > 3; };
  std::vector<GenerationSpec> one{spec()};
  auto r = pipeline_->generate(one, hooks);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cancelled during step 1 of 4");
  EXPECT_EQ(progress_reports, 0);
  EXPECT_EQ(latents_reported, std::vector<int>{0}) << "only the starting latent";
}

TEST_F(PipelineTest, ReportsTruncatedPrompts) {
  GenerationSpec s = spec();
  s.prompt.clear();
  for (int i = 0; i < 100; ++i) s.prompt += "fox ";
  const auto out = render({s});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_GT(out[0].prompt_tokens_dropped, 0);
  EXPECT_EQ(out[0].negative_tokens_dropped, 0);
  auto t = pipeline_->tokenize(s.prompt);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->dropped_tokens, out[0].prompt_tokens_dropped);
}

TEST_F(PipelineTest, RejectsBadInputWithClearErrors) {
  auto expect_error = [](std::vector<GenerationSpec> specs, const std::string& needle) {
    const std::string e = error_of(std::move(specs));
    EXPECT_NE(e.find(needle), std::string::npos)
        << "error: " << e << "\nexpected to mention: " << needle;
  };
  GenerationSpec s = spec();
  s.width = 72;
  expect_error({s}, "width 72 is not a multiple of 16");
  s = spec();
  s.height = 60;
  expect_error({s}, "not a multiple of 8");
  s.height = 8;
  expect_error({s}, "height 8 is outside");
  s.height = kMaxImageSide + 16;
  expect_error({s}, "outside [16, 4096]");
  s = spec();
  s.steps = 0;
  expect_error({s}, "steps must be in [1, 500]");
  s.steps = 501;
  expect_error({s}, "found 501");
  s = spec();
  s.guidance = std::numeric_limits<float>::quiet_NaN();
  expect_error({s}, "guidance");
  s.guidance = std::numeric_limits<float>::infinity();
  expect_error({s}, "guidance");
  s = spec(SamplerKind::ddim);
  s.karras = true;
  expect_error({s}, "Karras");
  s = spec();
  s.prompt = "bad \xFF utf-8";
  expect_error({s}, "UTF-8");
  s = spec();
  s.negative_prompt = "\xC3";
  expect_error({s}, "negative prompt");
  s = spec();
  s.init_image = RgbImage{32, 32, std::vector<std::uint8_t>(32 * 32 * 3)};
  expect_error({s}, "init image is 32x32");
  s.init_image = RgbImage{64, 64, std::vector<std::uint8_t>(10)};
  expect_error({s}, "holds 10 bytes");
  s.init_image = RgbImage{64, 64, std::vector<std::uint8_t>(64 * 64 * 3)};
  s.strength = 0.0f;
  expect_error({s}, "strength");
  s.strength = 1.5f;
  expect_error({s}, "strength");
  s.strength = 0.1f;
  expect_error({s}, "runs no step");
  expect_error({}, "at least one job");
  expect_error(std::vector<GenerationSpec>(kMaxBatchJobs + 1, spec()), "at most 64 jobs");
  GenerationSpec other = spec();
  other.steps = 5;
  expect_error({spec(), other}, "jobs 0 and 1 cannot share a batch: step counts differ");
  other = spec(SamplerKind::ddim);
  expect_error({spec(), other}, "samplers differ");
  other = spec();
  other.guidance = 1.0f;
  expect_error({spec(), other}, "guidance");
  other = spec();
  other.width = 72;
  expect_error({spec(), other}, "job 1: width 72");
}

TEST_F(PipelineTest, ReplayRejectsBadArguments) {
  const GenerationSpec s = spec(SamplerKind::dpmpp_2m);
  const Tensor x = Tensor::host({1, 4, 8, 8});
  EXPECT_FALSE(pipeline_->replay_step(s, -1, x));
  EXPECT_FALSE(pipeline_->replay_step(s, 4, x));
  auto no_prev = pipeline_->replay_step(s, 2, x);
  ASSERT_FALSE(no_prev);
  EXPECT_NE(no_prev.error().message.find("x_1"), std::string::npos) << no_prev.error().message;
  auto shape = pipeline_->replay_step(s, 0, Tensor::host({1, 4, 8, 9}));
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.error().message.find("[1, 4, 8, 8]"), std::string::npos) << shape.error().message;
  EXPECT_FALSE(pipeline_->replay_step(s, 0, Tensor()));
  EXPECT_FALSE(pipeline_->decode_latent(Tensor::host({1, 3, 8, 8})));
  EXPECT_FALSE(pipeline_->decode_latent(Tensor::host({2, 4, 8, 8})));
  EXPECT_TRUE(pipeline_->decode_latent(Tensor::host({1, 4, 8, 8})));
}

TEST(PipelineLoad, FailsClearlyOnAMissingModel) {
  CpuBackend backend(1);
  auto p = Pipeline::load("/nonexistent/model", backend);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("/nonexistent/model"), std::string::npos) << p.error().message;
}

// Bytes of address space this process holds now (/proc/self/statm: size in pages).
std::size_t address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// In a child process whose address space is capped a little above what the loaded model holds: a
// 512x512 render (a 16 MiB feature map in the VAE alone) cannot fit, must come back as an error
// that says so, and the pipeline must render a small image afterwards. Exit codes name the step
// that went wrong.
int render_under_a_memory_cap(const std::string& model) {
  CpuBackend backend(1);  // one thread: the child of a fork must not rely on the pool's threads
  auto p = Pipeline::load(model, backend);
  if (!p) return 10;
  GenerationSpec big;
  big.prompt = "a lighthouse";
  big.steps = 1;
  big.guidance = 1.0f;
  big.width = big.height = 512;
  GenerationSpec small = big;
  small.width = small.height = 64;
  rlimit cap{};
  cap.rlim_cur = cap.rlim_max = address_space_bytes() + (8u << 20);
  if (setrlimit(RLIMIT_AS, &cap) != 0) return 11;
  auto failed = p->generate(std::span(&big, 1));
  if (failed) return 12;
  if (failed.error().message !=
      "the render ran out of host memory: lower the batch size or the image size") {
    std::fprintf(stderr, "unexpected error: %s\n", failed.error().message.c_str());
    return 13;
  }
  return p->generate(std::span(&small, 1)) ? 0 : 14;
}

TEST(PipelineMemory, ARenderThatRunsOutOfMemoryIsAnErrorAndThePipelineGoesOn) {
  const std::string model = testing::preset_model("tiny", 0).checkpoint_path;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(render_under_a_memory_cap(model));  // _exit: no atexit work of the parent's
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the render killed the process with signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: load failed, 11: setrlimit failed, 12: the capped render succeeded, 13: wrong error, "
         "14: no render after the failure";
}

}  // namespace
}  // namespace seedgrid
