// The shipped scripts (models/tasks/) on the tiny preset: txt2img.lua and img2img.lua render the
// built-in path's bytes and commit its trajectory; variation.lua and hires_fix.lua compose them
// (a blend of two seeds' noise; a small pass, a resize and a large one); inpaint.lua and
// outpaint.lua keep what their mask leaves; a script renders the same bytes every time;
// and a run that breaks the script's contract fails with the script's name.
#include "runtime/base/task_script/task_run.hpp"

#include <gtest/gtest.h>

#include "models/backend/cpu_backend.hpp"
#include "preset_model.hpp"
#include "tiny_pipeline.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::task_script {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TaskRunTest : public testing::TinyPipelineSuite {
 protected:

  static Result<TaskScript> shipped(const std::string& name) {
    return TaskScript::read_file(std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/" + name);
  }

  // The built-in path's image and trajectory root.
  static std::pair<RgbImage, Digest> built_in(const GenerationSpec& spec) {
    verify::Trajectory trajectory;
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t, int t, const Tensor& x) {
      trajectory.record(static_cast<std::uint32_t>(t), x);
    };
    auto r = pipeline_->generate(std::span(&spec, 1), hooks);
    EXPECT_TRUE(r) << r.error().message;
    return {r ? (*r)[0].image : RgbImage{}, trajectory.root()};
  }

  static TaskOutput run(const TaskScript& script, const ParamValues& params, std::uint64_t seed) {
    auto out = run_task(script, *pipeline_, params, seed);
    EXPECT_TRUE(out) << out.error().message;
    return out ? std::move(*out) : TaskOutput{};
  }

  static std::string error_of(const std::string& source, const ParamValues& params = {},
                              const SandboxLimits& limits = {}) {
    auto script = TaskScript::from_source(source, "probe.lua", limits);
    if (!script) return "load: " + script.error().message;
    auto out = run_task(*script, *pipeline_, params, 1);
    return out ? std::string("<ok>") : out.error().message;
  }
};



ParamValues txt2img_params(const GenerationSpec& s) {
  return {{"prompt", s.prompt},
          {"negative_prompt", s.negative_prompt},
          {"steps", std::int64_t{s.steps}},
          {"guidance", static_cast<double>(s.guidance)},
          {"sampler", std::string(sampler_kind_name(s.sampler))},
          {"karras", s.karras},
          {"width", std::int64_t{s.width}},
          {"height", std::int64_t{s.height}}};
}

TEST_F(TaskRunTest, Txt2imgScriptIsTheBuiltInPathByteForByte) {
  const auto script = shipped("txt2img.lua");
  ASSERT_TRUE(script) << script.error().message;
  GenerationSpec karras = testing::lighthouse_spec(SamplerKind::dpmpp_2m, 1.0f, 3);
  karras.karras = true;
  for (const GenerationSpec& spec :
       {testing::lighthouse_spec(SamplerKind::euler, 6.5f, 11),
        testing::lighthouse_spec(SamplerKind::euler_ancestral, 5.0f, 0xfedcba9876543210ull), karras}) {
    const auto [image, root] = built_in(spec);
    const TaskOutput out = run(*script, txt2img_params(spec), spec.seed);
    ASSERT_EQ(out.images.size(), 1u);
    EXPECT_EQ(out.images[0], image) << sampler_kind_name(spec.sampler);
    ASSERT_EQ(out.passes.size(), 1u);
    EXPECT_EQ(out.passes[0].trajectory_root, root) << sampler_kind_name(spec.sampler);
    // The job's one commitment over its passes is, for one pass, the built-in root.
    EXPECT_EQ(out.trajectory_root, root) << sampler_kind_name(spec.sampler);
    EXPECT_EQ(out.leaf_count, static_cast<std::uint32_t>(spec.steps) + 1);
    EXPECT_EQ(out.passes[0].steps_run, spec.steps);
    EXPECT_EQ(out.passes[0].leaves.size(), static_cast<std::size_t>(spec.steps) + 1);
  }
}

TEST_F(TaskRunTest, Img2imgScriptIsTheBuiltInPathByteForByte) {
  GenerationSpec spec = testing::lighthouse_spec(SamplerKind::euler_ancestral, 5.0f, 5);
  spec.steps = 6;
  spec.init_image = built_in(testing::lighthouse_spec(SamplerKind::euler, 6.5f, 2)).first;
  spec.strength = 0.5f;
  const auto [image, root] = built_in(spec);
  ParamValues params = txt2img_params(spec);
  params.erase("width");
  params.erase("height");
  params["init_image"] = *spec.init_image;
  params["strength"] = 0.5;
  const auto script = shipped("img2img.lua");
  ASSERT_TRUE(script) << script.error().message;
  const TaskOutput out = run(*script, params, spec.seed);
  ASSERT_EQ(out.images.size(), 1u);
  EXPECT_EQ(out.images[0], image);
  ASSERT_EQ(out.passes.size(), 1u);
  EXPECT_EQ(out.passes[0].steps_run, 3);
  EXPECT_EQ(out.passes[0].trajectory_root, root);
}

// variation.lua at strength 0 is txt2img of its seed, at 1 txt2img of variation_seed (a
// deterministic sampler), and in between another image, the same every time.
TEST_F(TaskRunTest, VariationScriptEndsAtEachSeedsImage) {
  const auto variation = shipped("variation.lua"), txt2img = shipped("txt2img.lua");
  ASSERT_TRUE(variation) << variation.error().message;
  ASSERT_TRUE(txt2img) << txt2img.error().message;
  const GenerationSpec spec = testing::lighthouse_spec(SamplerKind::euler, 5.0f, 21);
  ParamValues params = txt2img_params(spec);
  const auto first = run(*txt2img, params, 21), second = run(*txt2img, params, 22);
  params["variation_seed"] = std::int64_t{22};
  const auto at = [&](double strength) {
    ParamValues p = params;
    p["strength"] = strength;
    return run(*variation, p, 21);
  };
  ASSERT_EQ(at(0.0).images.size(), 1u);
  EXPECT_EQ(at(0.0).images, first.images);
  EXPECT_EQ(at(0.0).passes[0].trajectory_root, first.passes[0].trajectory_root);
  EXPECT_EQ(at(1.0).images, second.images);
  const auto between = at(0.3);
  EXPECT_NE(between.images, first.images);
  EXPECT_NE(between.images, second.images);
  EXPECT_EQ(between.images, at(0.3).images);
}

// hires_fix.lua: its first pass is txt2img at the small size (the same trajectory), its second
// re-renders the upscaled latent at scale times the size, and both passes are committed.
TEST_F(TaskRunTest, HiresFixScriptRendersSmallThenLargeInTwoCommittedPasses) {
  const auto hires = shipped("hires_fix.lua"), txt2img = shipped("txt2img.lua");
  ASSERT_TRUE(hires) << hires.error().message;
  ASSERT_TRUE(txt2img) << txt2img.error().message;
  const GenerationSpec spec = testing::lighthouse_spec(SamplerKind::euler_ancestral, 5.0f, 8);
  const ParamValues small_params = txt2img_params(spec);
  ParamValues params = small_params;
  params["width"] = std::int64_t{128};  // the image's size; the first pass renders half of it
  params["height"] = std::int64_t{128};
  params["scale"] = std::int64_t{2};
  params["hires_steps"] = std::int64_t{6};
  params["denoise"] = 0.5;
  const TaskOutput out = run(*hires, params, 8);
  ASSERT_EQ(out.images.size(), 1u);
  EXPECT_EQ(out.images[0].width, 128);
  EXPECT_EQ(out.images[0].height, 128);
  ASSERT_EQ(out.passes.size(), 2u);
  const TaskOutput small = run(*txt2img, small_params, 8);
  EXPECT_EQ(out.passes[0].trajectory_root, small.passes[0].trajectory_root);
  EXPECT_EQ(out.passes[0].width, 64);
  EXPECT_EQ(out.passes[1].width, 128);
  EXPECT_EQ(out.passes[1].steps_run, 3);
  EXPECT_EQ(out.passes[1].leaves.size(), 4u);
  // One commitment over both passes: pass 0's leaves as txt2img's, then pass 1's, which name
  // their pass, so the job's root is neither pass's.
  EXPECT_EQ(out.leaf_count, small.passes[0].leaves.size() + 4u);
  std::vector<Digest> leaves = small.passes[0].leaves;
  leaves.insert(leaves.end(), out.passes[1].leaves.begin(), out.passes[1].leaves.end());
  EXPECT_EQ(out.trajectory_root, verify::merkle_root(leaves));
  EXPECT_NE(out.trajectory_root, out.passes[0].trajectory_root);
  EXPECT_NE(out.trajectory_root, out.passes[1].trajectory_root);
  EXPECT_EQ(run(*hires, params, 8).trajectory_root, out.trajectory_root);
  EXPECT_EQ(run(*hires, params, 8).images, out.images);
  EXPECT_NE(run(*hires, params, 9).images, out.images);
}

// inpaint.lua keeps what the mask leaves black: with an all-black mask the output is the init
// image's VAE round trip, byte for byte; with an all-white one it is img2img's output; and
// outpaint.lua with no margins is the same round trip, with margins an image that much larger.
TEST_F(TaskRunTest, InpaintKeepsWhatItsMaskLeavesAndOutpaintRendersOnlyTheMargins) {
  const auto inpaint = shipped("inpaint.lua"), img2img = shipped("img2img.lua"),
             outpaint = shipped("outpaint.lua");
  ASSERT_TRUE(inpaint) << inpaint.error().message;
  ASSERT_TRUE(img2img) << img2img.error().message;
  ASSERT_TRUE(outpaint) << outpaint.error().message;
  GenerationSpec spec = testing::lighthouse_spec(SamplerKind::euler_ancestral, 5.0f, 5);
  spec.steps = 6;
  const RgbImage init = built_in(testing::lighthouse_spec(SamplerKind::euler, 6.5f, 2)).first;
  ParamValues params = txt2img_params(spec);
  params.erase("width");
  params.erase("height");
  params["init_image"] = init;
  params["strength"] = 0.5;
  const auto with_mask = [&](std::uint8_t value) {
    ParamValues p = params;
    p["mask"] = RgbImage{init.width, init.height,
                         std::vector<std::uint8_t>(init.pixels.size(), value)};
    return run(*inpaint, p, spec.seed);
  };
  auto clean = pipeline_->encode_image(init, spec.seed);
  ASSERT_TRUE(clean) << clean.error().message;
  auto round_trip = pipeline_->decode_latent(*clean);
  ASSERT_TRUE(round_trip) << round_trip.error().message;
  const TaskOutput kept = with_mask(0);
  ASSERT_EQ(kept.images.size(), 1u);
  EXPECT_EQ(kept.images[0], *round_trip) << "a black mask keeps the whole image";
  EXPECT_EQ(kept.passes[0].steps_run, 3);
  const TaskOutput all = with_mask(255);
  EXPECT_EQ(all.images, run(*img2img, params, spec.seed).images) << "a white mask is img2img";
  EXPECT_NE(all.images, kept.images);

  ParamValues out_params = params;
  out_params.erase("strength");
  const TaskOutput none = run(*outpaint, out_params, spec.seed);
  EXPECT_EQ(none.images[0], *round_trip) << "no margins: nothing to render";
  out_params["right"] = std::int64_t{64};
  const TaskOutput wider = run(*outpaint, out_params, spec.seed);
  ASSERT_EQ(wider.images.size(), 1u);
  EXPECT_EQ(wider.images[0].width, 128);
  EXPECT_EQ(wider.images[0].height, 64);
  EXPECT_EQ(wider.passes[0].steps_run, spec.steps);
  EXPECT_EQ(run(*outpaint, out_params, spec.seed).images, wider.images);
}

TEST_F(TaskRunTest, SameScriptParamsAndSeedGiveTheSameBytes) {
  const auto script = shipped("txt2img.lua");
  ASSERT_TRUE(script) << script.error().message;
  const ParamValues params = txt2img_params(testing::lighthouse_spec(SamplerKind::euler_ancestral, 5.0f, 9));
  const TaskOutput a = run(*script, params, 9), b = run(*script, params, 9);
  const TaskOutput c = run(*script, params, 10);
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images, b.images);
  EXPECT_EQ(a.passes[0].trajectory_root, b.passes[0].trajectory_root);
  EXPECT_NE(a.images, c.images);
}

TEST_F(TaskRunTest, TwoPassesAndTwoImagesAreRecordedInOrder) {
  const std::string source = R"lua(
name = "two_pass"
params = { {name = "steps", type = "int", default = 2} }
function cost(p)
  return { {steps = p.steps, pixels = 64 * 64}, {steps = 1, pixels = 64 * 64} }
end
function run(p, seed)
  local prompt = sd.encode_prompt("a cat", "", 1)
  local first = sd.sample{prompt = prompt, noise = sd.noise(64, 64, seed), steps = p.steps,
                          guidance = 1, seed = seed}
  local second = sd.sample{prompt = prompt, noise = sd.noise(64, 64, seed + 1), init = first,
                           strength = 0.5, steps = 2, guidance = 1, seed = seed + 1}
  return { sd.decode(first), sd.decode(second) }
end
)lua";
  auto script = TaskScript::from_source(source, "two_pass.lua");
  ASSERT_TRUE(script) << script.error().message;
  const TaskOutput out = run(*script, {}, 4);
  ASSERT_EQ(out.images.size(), 2u);
  ASSERT_EQ(out.passes.size(), 2u);
  EXPECT_EQ(out.passes[0].steps_run, 2);
  EXPECT_EQ(out.passes[1].steps_run, 1);
  EXPECT_NE(out.images[0], out.images[1]);
}

const char* kHeader =
    "name = 'probe'\nparams = {}\nfunction cost(p) return {{steps = 1, pixels = 64 * 64}} end\n";

// sd.crop, sd.resize of an image and sd.blend: a crop of what sd.pad added gives the image back,
// a resize to its own size changes nothing, a blend is its first image under a black mask and its
// second under a white one; and each names what it refuses.
TEST_F(TaskRunTest, ImagesAreCroppedResizedAndBlendedExactly) {
  const auto script = TaskScript::from_source(R"(name = 'images'
params = { { name = 'init_image', type = 'image' }, { name = 'mask', type = 'image' } }
function cost(p) return {{steps = 1, pixels = 64 * 64}} end
function run(p, seed)
  local c = sd.encode_prompt('a', '', 1)
  local drawn = sd.decode(sd.sample{prompt = c, noise = sd.noise(64, 64, seed), steps = 1,
                                    guidance = 1, seed = seed})
  local padded = sd.pad(p.init_image, 8, 8, 16, 8)
  local back = sd.crop(padded, 8, 8, 64, 64)
  return { back, sd.resize(back, 64, 64), sd.blend(drawn, back, p.mask),
           sd.blend(drawn, back, sd.resize(sd.crop(sd.pad(p.mask, 0, 0, 0, 0), 0, 0, 8, 8), 64, 64)),
           sd.resize(back, 32, 16) }
end
)", "images.lua");
  ASSERT_TRUE(script) << script.error().message;
  RgbImage init{64, 64, std::vector<std::uint8_t>(64 * 64 * 3)};
  for (std::size_t i = 0; i < init.pixels.size(); ++i)
    init.pixels[i] = static_cast<std::uint8_t>((i * 13) % 251);
  const RgbImage white{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 255)};
  const TaskOutput out = run(*script, {{"init_image", init}, {"mask", white}}, 3);
  ASSERT_EQ(out.images.size(), 5u);
  EXPECT_EQ(out.images[0], init) << "a crop of the padded image is the image";
  EXPECT_EQ(out.images[1], init) << "a resize to its own size changes nothing";
  EXPECT_EQ(out.images[2], init) << "a white mask takes the second image";
  EXPECT_EQ(out.images[3], init) << "a white mask resized is still white";
  EXPECT_EQ(out.images[4].width, 32);
  EXPECT_EQ(out.images[4].height, 16);
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local i = sd.decode(sd.noise(64, 64, seed))\n"
                     "  return sd.crop(i, 32, 0, 64, 64)\nend"),
            "probe.lua:6: sd.crop: the crop of 64 x 64 at (32, 0) does not lie inside the 64 x 64 "
            "image");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local i = sd.decode(sd.noise(64, 64, seed))\n"
                     "  return sd.blend(i, sd.resize(i, 32, 32), i)\nend"),
            "probe.lua:6: sd.blend: blending needs three images of one size, found 64 x 64, 32 x 32 "
            "and a 64 x 64 mask");
}

TEST_F(TaskRunTest, ABrokenContractFailsWithTheScriptsNameAndLine) {
  EXPECT_EQ(error_of(std::string(kHeader) + "function run(p, seed)\n  return 42\nend"),
            "probe.lua: run must return an image (sd.decode's result) or a list of images, found "
            "number");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n"
                     "  local c = sd.encode_prompt('a', '', 1)\n"
                     "  local x = sd.sample{prompt = c, noise = sd.noise(64, 64, seed), steps = 2,"
                     " guidance = 1, seed = seed}\n"
                     "  return sd.decode(x)\nend"),
            "probe.lua:6: sd.sample: pass 1 would run 2 steps over 4096 pixels but cost() "
            "declared 1 steps over 4096 pixels");
  EXPECT_EQ(error_of(std::string(kHeader) + "function run(p, seed)\n  return {}\nend"),
            "probe.lua: run returned 0 images, expected 1 to 64");
  // A second pass the price does not cover never renders; one fewer than declared fails too.
  EXPECT_EQ(
      error_of(
          std::string(kHeader) +
          "function run(p, seed)\n"
          "  local c = sd.encode_prompt('a', '', 1)\n"
          "  local x\n"
          "  for i = 1, 100 do\n"
          "    x = sd.sample{prompt = c, noise = sd.noise(64, 64, seed), steps = 1, seed = seed}\n"
          "  end\n"
          "  return sd.decode(x)\nend"),
      "probe.lua:8: sd.sample: this would be pass 2 but cost() declared 1: a job runs what "
      "it is priced for");
  EXPECT_EQ(error_of(std::string(kHeader) + "function run(p, seed)\n"
                                            "  return sd.decode(sd.noise(64, 64, seed))\nend"),
            "probe.lua: the script ran 0 sampler passes but its cost() declared 1: a job runs "
            "what it is priced for");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local c = sd.encode_prompt('a', '', 1)\n"
                     "  return sd.sample{prompt = c, noise = sd.noise(64, 64, seed), steps = 1,\n"
                     "                   guidance = 7, seed = seed}\nend"),
            "probe.lua:6: sd.sample: guidance 7 is above 1 but the prompt was encoded without "
            "guidance");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  return sd.noise(63, 64, seed)\nend"),
            "probe.lua:5: sd.noise: width 63 is not a multiple of 8 (the VAE's downscale factor)");
  EXPECT_EQ(error_of("name = 'probe'\nparams = {}\n"
                     "function cost(p)\n  sd.noise(64, 64, 1)\nend\nfunction run(p, seed) end"),
            "probe.lua:4: sd.noise renders, and only run() may render (not cost() or the "
            "script's top level)");
  EXPECT_TRUE(contains(error_of(std::string(kHeader) + "function run(p, seed) end", {{"x", 1.0}}),
                       "probe.lua: task probe has no parameter x"));
}

TEST_F(TaskRunTest, LatentsAndImagesAScriptHoldsCountAgainstItsMemoryCap) {
  // A 512x512 latent is 64 KiB: two hundred of them pass a 4 MiB cap.
  EXPECT_EQ(error_of(std::string(kHeader) + "function run(p, seed)\n  local held = {}\n"
                                            "  for i = 1, 200 do\n"
                                            "    held[i] = sd.noise(512, 512, i)\n"
                                            "  end\nend",
                     {}, SandboxLimits{50'000'000, std::size_t{4} << 20}),
            "probe.lua:7: the script went past its memory cap of 4194304 bytes");
}

TEST_F(TaskRunTest, AMisspeltFieldOfSampleIsNamed) {
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local c = sd.encode_prompt('a', '', 1)\n"
                     "  return sd.sample{prompt = c, noise = sd.noise(64, 64, seed), steps = 1,\n"
                     "                   guidence = 7, seed = seed}\nend"),
            "probe.lua:6: sd.sample: unknown field guidence (fields: prompt, noise, init, "
            "strength, mask, steps, guidance, sampler, karras, seed)");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local c = sd.encode_prompt('a', '', 1)\n"
                     "  local n = sd.noise(64, 64, seed)\n"
                     "  return sd.sample{prompt = c, noise = n, steps = 1, seed = seed,\n"
                     "                   mask = sd.blend_noise(n, n, 0)}\nend"),
            "probe.lua:7: sd.sample: field mask needs an init latent to keep");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "function run(p, seed)\n  local c = sd.encode_prompt('a', '', 1)\n"
                     "  local n = sd.noise(64, 64, seed)\n"
                     "  return sd.sample{prompt = c, noise = n, init = n, strength = 1, steps = 1,\n"
                     "                   seed = seed, mask = n}\nend"),
            "probe.lua:7: sd.sample: field mask must be sd.latent_mask's result for a 64 x 64 "
            "image, found f32[1, 4, 8, 8] on cpu for 64 x 64");
}

}  // namespace
}  // namespace seedgrid::task_script
