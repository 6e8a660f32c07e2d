// The detection matrix (actors/worker/cheats/README.md): each cheat of the zoo, rendered on the
// tiny and small presets, is audited the way a validator audits (noise; step on k = 3 steps drawn
// with choose_audit_steps; decode; full), and the audits that target it fail it, within a class
// (bytes) and across classes (an F16StorageBackend worker, a CPU fp32 validator, calibrated
// thresholds). Honest renders pass every audit, within and across classes, both ways.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <ostream>
#include <string>

#include "actors/worker/cheats/audit_suite.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "config/calibrated_thresholds.hpp"
#include "zoo_fixture.hpp"

namespace seedgrid::worker {
namespace {

using testing::ClassKind;
using verify::AuditKind;
using verify::FindingOutcome;

constexpr FindingOutcome P = FindingOutcome::pass;
constexpr FindingOutcome F = FindingOutcome::fail;
constexpr std::array<AuditKind, 4> kKinds{AuditKind::noise, AuditKind::step, AuditKind::decode,
                                          AuditKind::full};

// Within one class every audit is bytewise, so the whole row is exact: noise, step, decode, full.
const std::map<Cheat, std::array<FindingOutcome, 4>>& same_class_matrix() {
  static const std::map<Cheat, std::array<FindingOutcome, 4>> m{
      {Cheat::wrong_seed, {F, P, P, F}},          // euler steps are seed-free: only x_0 tells
      {Cheat::fewer_steps, {P, F, P, F}},
      {Cheat::skipped_guidance, {P, F, P, F}},
      {Cheat::smaller_model, {P, F, P, F}},       // same VAE: x_N decodes to the image
      {Cheat::quantized_8bit, {P, F, F, F}},      // its VAE is quantized too
      {Cheat::quantized_4bit, {P, F, F, F}},
      {Cheat::other_sampler, {P, F, P, F}},
      {Cheat::random_output, {F, F, F, F}},
      {Cheat::replayed_image, {F, F, P, F}},      // another job's prompt: its steps differ too
      {Cheat::swapped_final_image, {P, P, F, F}},
      {Cheat::forged_trajectory, {P, F, P, F}},   // full: pixels equal, the root is not
  };
  return m;
}

// Across classes only the audits that target a cheat are asserted (the others may pass, be grey,
// or fail by accident of the cheat), each with the least it must report. Grey escalates to a full
// re-render on a validator of the worker's own class, whose bytes comparison is the row above.
constexpr FindingOutcome G = FindingOutcome::grey;
struct Target {
  AuditKind kind;
  FindingOutcome at_least;
};
const std::map<Cheat, std::vector<Target>>& targets() {
  static const std::map<Cheat, std::vector<Target>> m{
      {Cheat::wrong_seed, {{AuditKind::noise, F}, {AuditKind::full, F}}},
      {Cheat::fewer_steps, {{AuditKind::step, F}}},
      {Cheat::skipped_guidance, {{AuditKind::step, F}}},
      {Cheat::smaller_model, {{AuditKind::step, F}}},
      // 8-bit weights move a step about as much as fp16 storage does (bench/RESULTS.md): across
      // classes no step or decode audit separates it; the full re-render's image is off by more
      // than honest rounding, never by a cheat's margin, so it is grey and escalates to the
      // worker's own class, where every audit compares bytes.
      {Cheat::quantized_8bit, {{AuditKind::full, G}}},
      {Cheat::quantized_4bit, {{AuditKind::step, F}}},
      {Cheat::other_sampler, {{AuditKind::step, F}}},
      {Cheat::random_output,
       {{AuditKind::noise, F}, {AuditKind::step, F}, {AuditKind::decode, F}, {AuditKind::full, F}}},
      {Cheat::replayed_image, {{AuditKind::noise, F}, {AuditKind::full, F}}},
      {Cheat::swapped_final_image, {{AuditKind::decode, F}, {AuditKind::full, F}}},
      {Cheat::forged_trajectory, {{AuditKind::step, F}}},
  };
  return m;
}

AuditSuiteReport audit(const std::string& preset, ClassKind validator, ClassKind worker,
                       const GenerationSpec& spec, const CheatedRender& delivered) {
  AuditSuiteOptions o;
  o.step_audits = 3;
  o.secret.fill(0x5a);
  o.job_key = preset + "/" + std::to_string(spec.seed);
  auto report = run_audit_suite(testing::zoo_pipeline(preset, validator), spec,
                                testing::backend_of(worker).determinism_class(), delivered.image,
                                delivered.trajectory, config::kCalibratedThresholds, o);
  EXPECT_TRUE(report) << report.error().message;
  return report ? *report : AuditSuiteReport{};
}

// The rendered cheat; replayed_image first renders another job, so the audited one is a replay.
CheatedRender render(Cheat cheat, const std::string& preset, ClassKind worker,
                     const GenerationSpec& spec) {
  auto kit =
      make_cheat_kit(cheat, testing::zoo_pipeline(preset, worker), testing::backend_of(worker));
  EXPECT_TRUE(kit) << kit.error().message;
  if (cheat == Cheat::replayed_image) {
    auto first = render_cheating(cheat, *kit, testing::zoo_spec(preset, 1000, "a quiet harbour"));
    EXPECT_TRUE(first);
  }
  auto r = render_cheating(cheat, *kit, spec);
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : CheatedRender{};
}

struct Case {
  std::string preset;
  Cheat cheat;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.preset << "/" << cheat_name(c.cheat); }

class DetectionMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(DetectionMatrix, SameClassCatchesExactlyAsDocumented) {
  const auto& [preset, cheat] = GetParam();
  const GenerationSpec spec = testing::zoo_spec(preset);
  const CheatedRender r = render(cheat, preset, ClassKind::cpu_f32, spec);
  const AuditSuiteReport report = audit(preset, ClassKind::cpu_f32, ClassKind::cpu_f32, spec, r);
  const auto& expected = same_class_matrix().at(cheat);
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    EXPECT_EQ(report[kKinds[i]].outcome, expected[i])
        << verify::audit_kind_name(kKinds[i]) << ": " << report[kKinds[i]].detail;
}

TEST_P(DetectionMatrix, CrossClassTargetedAuditsFail) {
  const auto& [preset, cheat] = GetParam();
  const GenerationSpec spec = testing::zoo_spec(preset);
  const CheatedRender r = render(cheat, preset, ClassKind::f16_storage, spec);
  const AuditSuiteReport report =
      audit(preset, ClassKind::cpu_f32, ClassKind::f16_storage, spec, r);
  for (const Target& t : targets().at(cheat))
    EXPECT_GE(report[t.kind].outcome, t.at_least)
        << verify::audit_kind_name(t.kind) << ": " << report[t.kind].detail;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* preset : {"tiny", "small"})
    for (Cheat c : all_cheats()) out.push_back({preset, c});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Zoo, DetectionMatrix, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.preset + "_" +
                                  std::string(cheat_name(info.param.cheat));
                         });

struct HonestCase {
  std::string preset;
  ClassKind worker;
  ClassKind validator;
  SamplerKind sampler;
};
void PrintTo(const HonestCase& c, std::ostream* os) {
  *os << c.preset << " " << sampler_kind_name(c.sampler);
}

class HonestRenders : public ::testing::TestWithParam<HonestCase> {};

TEST_P(HonestRenders, PassEveryAudit) {
  const HonestCase& c = GetParam();
  for (std::uint64_t seed : {11u, 12u}) {
    const char* prompt = seed == 11 ? "a red fox in the snow" : "portrait of an old sailor";
    GenerationSpec spec = testing::zoo_spec(c.preset, seed, prompt);
    spec.sampler = c.sampler;
    const CheatedRender r = testing::honest_render(testing::zoo_pipeline(c.preset, c.worker), spec);
    const AuditSuiteReport report = audit(c.preset, c.validator, c.worker, spec, r);
    for (AuditKind k : kKinds)
      EXPECT_EQ(report[k].outcome, P)
          << "seed " << seed << ", " << verify::audit_kind_name(k) << ": " << report[k].detail;
  }
}

std::string class_label(ClassKind k) { return k == ClassKind::cpu_f32 ? "cpu" : "f16s"; }

std::vector<HonestCase> honest_cases() {
  std::vector<HonestCase> out;
  const ClassKind cpu = ClassKind::cpu_f32, f16 = ClassKind::f16_storage;
  for (const char* preset : {"tiny", "small"})
    for (auto [worker, validator] : {std::pair{cpu, cpu}, std::pair{f16, f16}, std::pair{f16, cpu},
                                     std::pair{cpu, f16}})
      out.push_back({preset, worker, validator, SamplerKind::euler});
  out.push_back({"tiny", f16, cpu, SamplerKind::ddim});
  out.push_back({"tiny", f16, cpu, SamplerKind::dpmpp_2m});
  out.push_back({"tiny", f16, cpu, SamplerKind::euler_ancestral});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Classes, HonestRenders, ::testing::ValuesIn(honest_cases()),
                         [](const ::testing::TestParamInfo<HonestCase>& info) {
                           return info.param.preset + "_" + class_label(info.param.worker) +
                                  "_worker_" + class_label(info.param.validator) +
                                  "_validator_" +
                                  std::string(sampler_kind_name(info.param.sampler));
                         });

}  // namespace
}  // namespace seedgrid::worker
