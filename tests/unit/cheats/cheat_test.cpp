// The cheats' own properties: names, leaf counts, what each keeps honest and what it changes.
#include "actors/worker/cheats/cheat.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "actors/worker/cheats/scripted_cheat.hpp"
#include "actors/worker/cheats/substitute_models.hpp"
#include "zoo_fixture.hpp"

namespace seedgrid::worker {
namespace {

using testing::ClassKind;

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

const Pipeline& tiny() { return testing::zoo_pipeline("tiny", ClassKind::cpu_f32); }

CheatedRender cheat_on_tiny(Cheat c, const GenerationSpec& spec) {
  auto kit = make_cheat_kit(c, tiny(), testing::backend_of(ClassKind::cpu_f32));
  EXPECT_TRUE(kit) << kit.error().message;
  auto r = render_cheating(c, *kit, spec);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

TEST(CheatNames, RoundTripAndRejectUnknown) {
  ASSERT_TRUE(cheats_enabled());
  ASSERT_EQ(all_cheats().size(), 11u);
  for (Cheat c : all_cheats()) {
    auto parsed = parse_cheat(cheat_name(c));
    ASSERT_TRUE(parsed) << cheat_name(c);
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(cheat_name(Cheat::forged_trajectory), "forged_trajectory");
  auto bad = parse_cheat("lazy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\"lazy\""), std::string::npos);
  EXPECT_NE(bad.error().message.find("wrong_seed"), std::string::npos);
}

// ignored_mask has no txt2img form: the txt2img matrices (all_cheats) leave it out, a worker given
// a txt2img job renders it honestly, and inside a scripted job it drops every pass's mask.
TEST(CheatNames, AScriptedOnlyCheatParsesButStaysOutOfTheTxt2imgZoo) {
  ASSERT_EQ(scripted_only_cheats(), std::vector<Cheat>{Cheat::ignored_mask});
  auto parsed = parse_cheat("ignored_mask");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, Cheat::ignored_mask);
  const auto zoo = all_cheats();
  EXPECT_EQ(std::find(zoo.begin(), zoo.end(), Cheat::ignored_mask), zoo.end());
  const GenerationSpec spec = testing::zoo_spec("tiny");
  const CheatedRender r = cheat_on_tiny(Cheat::ignored_mask, spec);
  auto honest = tiny().generate(std::span(&spec, 1));
  ASSERT_TRUE(honest) << honest.error().message;
  EXPECT_EQ(r.image, (*honest)[0].image) << "a txt2img job has no mask to ignore";
  auto alter = scripted_cheat(Cheat::ignored_mask, 1);
  ASSERT_TRUE(alter);
  SamplingPass pass;
  pass.mask = Tensor::host({1, 1, 8, 8});
  alter(0, pass);
  EXPECT_FALSE(pass.mask.defined());
  EXPECT_FALSE(scripted_cheat(Cheat::wrong_seed, 1)) << "wrong_seed has no scripted form";
}

TEST(CheatKit, RefusesAnotherCheatThanItWasBuiltFor) {
  auto kit = make_cheat_kit(Cheat::wrong_seed, tiny(), testing::backend_of(ClassKind::cpu_f32));
  ASSERT_TRUE(kit);
  auto r = render_cheating(Cheat::fewer_steps, *kit, testing::zoo_spec("tiny"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("wrong_seed"), std::string::npos);
}

TEST(CheatKit, LoadsTheModelFromItsPath) {
  auto kit = make_cheat_kit(Cheat::random_output, testing::zoo_model_path("tiny"),
                            testing::backend_of(ClassKind::cpu_f32));
  ASSERT_TRUE(kit) << kit.error().message;
  EXPECT_EQ(kit->honest->model_id(), tiny().model_id());
  auto missing = make_cheat_kit(Cheat::random_output, "/nonexistent/model",
                                testing::backend_of(ClassKind::cpu_f32));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/model"), std::string::npos);
}

// Every cheat commits as many leaves as an honest render and delivers an image of the asked size.
TEST(Cheats, EveryCheatCommitsTheHonestLeafCount) {
  const GenerationSpec spec = testing::zoo_spec("tiny");
  for (Cheat c : all_cheats()) {
    SCOPED_TRACE(std::string(cheat_name(c)));
    const CheatedRender r = cheat_on_tiny(c, spec);
    EXPECT_EQ(r.trajectory.leaf_count(), static_cast<std::uint32_t>(spec.steps + 1));
    EXPECT_EQ(r.image.width, spec.width);
    EXPECT_EQ(r.image.height, spec.height);
    EXPECT_EQ(r.image.pixels.size(), static_cast<std::size_t>(spec.width * spec.height * 3));
  }
}

TEST(Cheats, WhatEachKeepsHonest) {
  const GenerationSpec spec = testing::zoo_spec("tiny");
  const CheatedRender honest = testing::honest_render(tiny(), spec);
  const std::uint32_t n = honest.trajectory.leaf_count() - 1;
  auto x0 = tiny().initial_latent(spec);
  ASSERT_TRUE(x0);

  const CheatedRender wrong_seed = cheat_on_tiny(Cheat::wrong_seed, spec);
  EXPECT_FALSE(same_bytes(wrong_seed.trajectory.latent(0), *x0));

  // The cheaper runs fix up x_0 (free) so the noise audit alone cannot see them.
  for (Cheat c : {Cheat::fewer_steps, Cheat::skipped_guidance, Cheat::smaller_model,
                  Cheat::quantized_8bit, Cheat::quantized_4bit, Cheat::other_sampler}) {
    SCOPED_TRACE(std::string(cheat_name(c)));
    const CheatedRender r = cheat_on_tiny(c, spec);
    EXPECT_TRUE(same_bytes(r.trajectory.latent(0), *x0));
    EXPECT_NE(r.trajectory.root(), honest.trajectory.root());
    EXPECT_NE(r.image, honest.image);
  }

  const CheatedRender swapped = cheat_on_tiny(Cheat::swapped_final_image, spec);
  EXPECT_EQ(swapped.trajectory.root(), honest.trajectory.root());
  EXPECT_NE(swapped.image, honest.image);

  const CheatedRender forged = cheat_on_tiny(Cheat::forged_trajectory, spec);
  EXPECT_EQ(forged.image, honest.image);
  EXPECT_TRUE(same_bytes(forged.trajectory.latent(0), honest.trajectory.latent(0)));
  EXPECT_TRUE(same_bytes(forged.trajectory.latent(n), honest.trajectory.latent(n)));
  for (std::uint32_t t = 1; t < n; ++t)
    EXPECT_FALSE(same_bytes(forged.trajectory.latent(t), honest.trajectory.latent(t))) << t;

  const CheatedRender random = cheat_on_tiny(Cheat::random_output, spec);
  EXPECT_FALSE(same_bytes(random.trajectory.latent(0), *x0));
  EXPECT_NE(random.image, honest.image);
}

TEST(Cheats, ReplayDeliversTheFirstJobAgain) {
  auto kit = make_cheat_kit(Cheat::replayed_image, tiny(), testing::backend_of(ClassKind::cpu_f32));
  ASSERT_TRUE(kit);
  const GenerationSpec first = testing::zoo_spec("tiny", 1, "a castle on a hill");
  const GenerationSpec second = testing::zoo_spec("tiny", 2, "a bowl of fruit");
  auto a = render_cheating(Cheat::replayed_image, *kit, first);
  auto b = render_cheating(Cheat::replayed_image, *kit, second);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->image, testing::honest_render(tiny(), first).image);  // the first is honest
  EXPECT_EQ(b->image, a->image);
  EXPECT_EQ(b->trajectory.root(), a->trajectory.root());
  // Another step count: the replayed trajectory is stretched to the asked leaf count.
  GenerationSpec longer = second;
  longer.steps = 9;
  auto c = render_cheating(Cheat::replayed_image, *kit, longer);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trajectory.leaf_count(), 10u);
  EXPECT_EQ(c->image, a->image);
}

TEST(SubstituteModels, QuantizationKeepsAtMostTwoToTheBitsLevelsPerRow) {
  WeightSet w("unet");
  std::vector<float> values;
  for (int i = 0; i < 2 * 64; ++i) values.push_back(std::sin(0.37f * i) * (i < 64 ? 1.0f : 0.01f));
  w.insert("layer.weight", Tensor::host_f32({2, 64}, values));
  w.insert("layer.bias", Tensor::host_f32({2}, {0.123456f, -0.5f}));
  ASSERT_TRUE(quantize_weights(w, 4));
  const Tensor* q = w.find("layer.weight");
  ASSERT_NE(q, nullptr);
  for (int row = 0; row < 2; ++row) {
    std::set<float> levels(q->f32() + row * 64, q->f32() + (row + 1) * 64);
    EXPECT_LE(levels.size(), 15u);  // -7..7
    float max_in = 0, max_out = 0;
    for (int i = 0; i < 64; ++i) max_in = std::max(max_in, std::fabs(values[row * 64 + i]));
    for (int i = 0; i < 64; ++i) {
      max_out = std::max(max_out, std::fabs(q->f32()[row * 64 + i]));
      EXPECT_LE(std::fabs(q->f32()[row * 64 + i] - values[row * 64 + i]), max_in / 14 * 1.0001f);
    }
    EXPECT_FLOAT_EQ(max_out, max_in);  // per-row scale: the largest weight is exact
  }
  EXPECT_EQ(w.find("layer.bias")->f32()[0], 0.123456f);  // rank 1 untouched
  EXPECT_FALSE(quantize_weights(w, 1));
}

TEST(SubstituteModels, ShrunkUnetHasFewerParametersAndTheSameInterfaces) {
  auto checkpoint = load_checkpoint(testing::zoo_model_path("tiny"));
  ASSERT_TRUE(checkpoint);
  std::int64_t before = 0, after = 0;
  for (const auto& name : checkpoint->unet.names()) before += checkpoint->unet.find(name)->numel();
  const UNetConfig original = checkpoint->unet_config;
  ASSERT_TRUE(shrink_unet(*checkpoint, 7));
  for (const auto& name : checkpoint->unet.names()) after += checkpoint->unet.find(name)->numel();
  EXPECT_LT(after * 2, before);
  EXPECT_EQ(checkpoint->unet_config.in_channels, original.in_channels);
  EXPECT_EQ(checkpoint->unet_config.cross_attention_dim, original.cross_attention_dim);
  EXPECT_EQ(checkpoint->unet_config.block_out_channels.size(), original.block_out_channels.size());
  EXPECT_TRUE(Pipeline::load(*checkpoint, testing::backend_of(ClassKind::cpu_f32)));
}

}  // namespace
}  // namespace seedgrid::worker
