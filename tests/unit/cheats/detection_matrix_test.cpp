// The detection matrix (actors/worker/cheats/README.md, bench/RESULTS.md): each cheat of the zoo,
// rendered on the tiny and small presets, is audited the way a validator audits (noise; step on
// k = 3 steps drawn with choose_audit_steps; decode; full), within a class (bytes) and across
// classes (an F16StorageBackend worker, a CPU fp32 validator, the shipped thresholds), and every
// outcome is one that bench/RESULTS.md's detection table (read from the file) allows for that
// cell. Honest renders pass every audit, within and across classes, both ways.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "actors/worker/cheats/audit_suite.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "config/calibrated_thresholds.hpp"
#include "documented_detection.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "zoo_fixture.hpp"

namespace seedgrid::worker {
namespace {

using testing::ClassKind;
using verify::AuditKind;
using verify::FindingOutcome;

constexpr FindingOutcome P = FindingOutcome::pass;
constexpr FindingOutcome F = FindingOutcome::fail;
constexpr FindingOutcome G = FindingOutcome::grey;
constexpr std::array<AuditKind, 4> kKinds{AuditKind::noise, AuditKind::step, AuditKind::decode,
                                          AuditKind::full};

// Within one class every audit is bytewise, so the whole row is exact: noise, step, decode, full.
const std::map<Cheat, std::array<FindingOutcome, 4>>& same_class_matrix() {
  static const std::map<Cheat, std::array<FindingOutcome, 4>> m{
      {Cheat::wrong_seed, {F, P, P, F}},  // euler steps are seed-free: only x_0 tells
      {Cheat::fewer_steps, {P, F, P, F}},
      {Cheat::skipped_guidance, {P, F, P, F}},
      {Cheat::smaller_model, {P, F, P, F}},   // same VAE: x_N decodes to the image
      {Cheat::quantized_8bit, {P, F, F, F}},  // its VAE is quantized too
      {Cheat::quantized_4bit, {P, F, F, F}},
      {Cheat::other_sampler, {P, F, P, F}},
      {Cheat::random_output, {F, F, F, F}},
      {Cheat::replayed_image, {F, F, P, F}},  // another job's prompt: its steps differ too
      {Cheat::swapped_final_image, {P, P, F, F}},
      {Cheat::forged_trajectory, {P, F, P, F}},  // full: pixels equal, the root is not
  };
  return m;
}

// The documented table (bench/RESULTS.md) against the zoo, cell by cell: each job of each cheat,
// audited with several audit secrets (each draws its own k = 3 steps), has an outcome the
// documented rate allows (a 100 % cell: every job fails; 0: every job passes; 0 [100]: every job is
// grey; 38 [62]: no job passes). The jobs span the samplers bench_calibrate spreads its cheat jobs
// over (on tiny; small runs euler, to keep the test short), since the partial rates come from them.
const std::vector<SamplerKind>& samplers_of(const std::string& preset) {
  static const std::vector<SamplerKind> tiny{SamplerKind::euler, SamplerKind::euler_ancestral,
                                             SamplerKind::ddim, SamplerKind::dpmpp_2m};
  static const std::vector<SamplerKind> small{SamplerKind::euler};
  return preset == "tiny" ? tiny : small;
}

// The bench's secret first, then two more: a cell holds whichever steps the coordinator draws.
std::vector<Digest> audit_secrets() {
  Digest bench;
  bench.fill(0x5a);
  return {bench, blake2b("audit secret 1"), blake2b("audit secret 2")};
}

std::string outcomes_text(const std::set<FindingOutcome>& s) {
  std::string out;
  for (FindingOutcome o : s) {
    if (!out.empty()) out.push_back('|');
    out.append(verify::finding_outcome_name(o));
  }
  return out;
}

struct Case {
  std::string preset;
  Cheat cheat;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.preset << "/" << cheat_name(c.cheat); }

class DetectionMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(DetectionMatrix, EveryCellAsBenchResultsStatesOverSecretsAndSamplers) {
  const auto& [preset, cheat] = GetParam();
  const std::string name(cheat_name(cheat));
  const testing::DetectionRow& documented = testing::documented_detection().at(name);
  for (ClassKind worker : {ClassKind::cpu_f32, ClassKind::f16_storage}) {
    const bool same = worker == ClassKind::cpu_f32;
    const auto& cells = same ? documented.same_class : documented.cross_class;
    auto kit =
        make_cheat_kit(cheat, testing::zoo_pipeline(preset, worker), testing::backend_of(worker));
    ASSERT_TRUE(kit) << kit.error().message;
    if (cheat == Cheat::replayed_image) {  // the first job is honest; the audited ones replay it
      ASSERT_TRUE(render_cheating(cheat, *kit, testing::zoo_spec(preset, 1000, "a quiet harbour")));
    }
    std::size_t audited = 0;
    for (SamplerKind sampler : samplers_of(preset)) {
      GenerationSpec spec = testing::zoo_spec(preset);
      spec.sampler = sampler;
      auto r = render_cheating(cheat, *kit, spec);
      ASSERT_TRUE(r) << r.error().message;
      const std::vector<Digest> secrets = audit_secrets();
      for (std::size_t s = 0; s < secrets.size(); ++s) {
        AuditSuiteOptions o;
        o.step_audits = 3;
        o.secret = secrets[s];
        o.job_key = preset + "/" + name + "/" + std::string(sampler_kind_name(sampler));
        o.run_full = s == 0;  // the full re-render draws nothing: once per job
        auto report = run_audit_suite(testing::zoo_pipeline(preset, ClassKind::cpu_f32), spec,
                                      testing::backend_of(worker).determinism_class(), r->image,
                                      r->trajectory, config::kCalibratedThresholds, o);
        ASSERT_TRUE(report) << report.error().message;
        ++audited;
        for (std::size_t i = 0; i < kKinds.size(); ++i) {
          if (kKinds[i] == AuditKind::full && !report->ran_full) continue;
          const verify::AuditFinding& f = (*report)[kKinds[i]];
          const auto allowed = cells[i].allowed();
          EXPECT_TRUE(allowed.contains(f.outcome))
              << (same ? "same" : "cross") << " class, " << sampler_kind_name(sampler)
              << ", secret " << s << ", " << verify::audit_kind_name(kKinds[i]) << ": "
              << verify::finding_outcome_name(f.outcome) << ", but bench/RESULTS.md's "
              << cells[i].fail << " [" << cells[i].grey << "] allows only "
              << outcomes_text(allowed) << " (" << f.detail << ")";
          // Within a class on euler the row is exact whatever the draw.
          if (same && sampler == SamplerKind::euler) {
            EXPECT_EQ(f.outcome, same_class_matrix().at(cheat)[i])
                << "same class, euler, secret " << s << ", " << verify::audit_kind_name(kKinds[i])
                << ": " << f.detail;
          }
        }
      }
    }
    EXPECT_EQ(audited, samplers_of(preset).size() * audit_secrets().size());
  }
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

// The document lists each cheat of the zoo once, and its same-class row allows the exact outcomes
// above (so the two cannot drift apart unnoticed).
TEST(DetectionMatrixDocument, ListsEveryCheatOnceAndAgreesWithTheExactSameClassRow) {
  const auto& documented = testing::documented_detection();
  EXPECT_EQ(documented.size(), all_cheats().size());
  for (Cheat c : all_cheats()) {
    const auto it = documented.find(std::string(cheat_name(c)));
    ASSERT_NE(it, documented.end()) << cheat_name(c) << " is missing from bench/RESULTS.md";
    for (std::size_t i = 0; i < kKinds.size(); ++i)
      EXPECT_TRUE(it->second.same_class[i].allowed().contains(same_class_matrix().at(c)[i]))
          << cheat_name(c) << " " << verify::audit_kind_name(kKinds[i]);
  }
}

TEST(DetectionMatrixDocument, ACellAllowsTheOutcomesItListsAndRejectsAMalformedTable) {
  const std::string table =
      "text\n| cheat | same class: noise / step / decode / full | cross class: noise / step / "
      "decode / full |\n| --- | --- | --- |\n| a | 100 / 0 / 0 [100] / 38 [62] | 0 [12] / 94 / 25 "
      "[25] / 0 |\n\nafter\n";
  auto rows = testing::parse_detection_table(table);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const auto& r = rows->at("a");
  using S = std::set<FindingOutcome>;
  EXPECT_EQ(r.same_class[0].allowed(), (S{F}));
  EXPECT_EQ(r.same_class[1].allowed(), (S{P}));
  EXPECT_EQ(r.same_class[2].allowed(), (S{G}));
  EXPECT_EQ(r.same_class[3].allowed(), (S{G, F}));
  EXPECT_EQ(r.cross_class[0].allowed(), (S{P, G}));
  EXPECT_EQ(r.cross_class[1].allowed(), (S{P, F}));
  EXPECT_EQ(r.cross_class[2].allowed(), (S{P, G, F}));
  EXPECT_FALSE(testing::parse_detection_table("no table here\n"));
  EXPECT_FALSE(
      testing::parse_detection_table("| cheat | same class: noise / step / decode / full | x |\n| "
                                     "--- |\n| a | 1 / 2 / 3 | 0 / 0 / "
                                     "0 / 0 |\n"));
  EXPECT_FALSE(
      testing::parse_detection_table("| cheat | same class: noise / step / decode / full | x |\n| "
                                     "--- |\n| a | 90 [20] / 0 / 0 / 0 "
                                     "| 0 / 0 / 0 / 0 |\n"));
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
    for (auto [worker, validator] :
         {std::pair{cpu, cpu}, std::pair{f16, f16}, std::pair{f16, cpu}, std::pair{cpu, f16}})
      out.push_back({preset, worker, validator, SamplerKind::euler});
  out.push_back({"tiny", f16, cpu, SamplerKind::ddim});
  out.push_back({"tiny", f16, cpu, SamplerKind::dpmpp_2m});
  out.push_back({"tiny", f16, cpu, SamplerKind::euler_ancestral});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Classes, HonestRenders, ::testing::ValuesIn(honest_cases()),
                         [](const ::testing::TestParamInfo<HonestCase>& info) {
                           return info.param.preset + "_" + class_label(info.param.worker) +
                                  "_worker_" + class_label(info.param.validator) + "_validator_" +
                                  std::string(sampler_kind_name(info.param.sampler));
                         });

}  // namespace
}  // namespace seedgrid::worker
