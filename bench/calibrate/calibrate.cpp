// Calibrates the validator's cross-class thresholds (config/calibrated_thresholds.hpp).
//
//   bench_calibrate [--presets tiny,small] [--prompts N] [--seeds N] [--steps 4,8]
//                   [--samplers euler,ddim,dpmpp_2m,euler_a] [--cheat-jobs N] [--threads N]
//                   [--out DIR] [--header config/calibrated_thresholds.hpp]
//                   [--models NAME=DIR,...] [--prompts-from FILE] [--thresholds-json FILE]
//
// --models measures models on disk (a trained one: shapes=models/zoo/shapes/model) in place of
// (or beside, with --presets) the random-weight presets; --prompts-from takes the prompts, one a
// line, from FILE instead of the built-in list (a trained model's own kind of caption).
// --thresholds-json writes the picked thresholds as a model folder's calibrated_thresholds.json
// (config/model_thresholds.hpp), which validators then use for that model's jobs.
//
// Honest distribution: every (preset, prompt, seed, steps, sampler) job is rendered on the CPU
// fp32 class and on the F16StorageBackend class; each render is audited by a validator of its own
// class (must be bytewise exact) and of the other class (both ways), measuring at every step the
// normalised update error, and PSNR/SSIM of the decode and full-render comparisons. The image
// thresholds come from the decodes: a whole re-render across classes can diverge honestly, so it is
// judged pass or grey only (verify::judge_rerender_image), and its honest tail is reported.
// Cheat distribution: every cheat of the zoo on --cheat-jobs of the jobs, rendered by a worker of
// either class and audited by a CPU fp32 validator (same class for the CPU worker, cross class for
// the f16s one). Both are written as CSV to --out (honest.csv, cheats.csv), thresholds are picked
// by the rule of pick_thresholds.hpp, and the detection rate per cheat per audit kind (k = 3 steps
// drawn with choose_audit_steps, as a validator draws them) and the false-positive rate on honest
// runs are printed with those thresholds. The detection table is judged by run_audit_suite
// (actors/worker/cheats/audit_suite.hpp: the audits of runtime/base/verify/audits.hpp, as the
// detection matrix test runs them) at the thresholds validators ship: the picked ones with
// --header, config::kCalibratedThresholds without. With --header the thresholds are written as that C++
// header (thresholds_header.hpp), with what was measured, where and how, in its comment.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/worker/cheats/audit_suite.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "config/calibrated_thresholds.hpp"
#include "models/backend/cpu_backend.hpp"
#include "models/backend/f16_storage_backend.hpp"
#include "models/pipeline/pipeline.hpp"
#include "config/model_thresholds.hpp"
#include "models/presets/write_preset.hpp"
#include "pick_thresholds.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"
#include "runtime/base/verify/comparison.hpp"
#include "thresholds_header.hpp"

namespace {

using namespace seedgrid;
using worker::Cheat;
using worker::CheatedRender;

constexpr const char* kPrompts[] = {
    "a red fox in the snow, oil painting",
    "portrait of an old sailor, dramatic light",
    "a lighthouse at dusk over a calm sea",
    "a bowl of fruit on a wooden table",
    "a castle on a hill under stars",
    "a city street in the rain, neon signs",
    "a field of sunflowers, watercolor",
    "a robot reading a book in a library",
};

struct Args {
  std::vector<std::string> presets{"tiny", "small"};
  std::vector<std::pair<std::string, std::string>> models;  // name, folder or file
  std::vector<std::string> prompt_list{std::begin(kPrompts), std::end(kPrompts)};
  bool presets_given = false;
  int prompts = 4;
  int seeds = 3;
  std::vector<int> steps{4, 8};
  std::vector<SamplerKind> samplers{SamplerKind::euler, SamplerKind::ddim, SamplerKind::dpmpp_2m,
                                    SamplerKind::euler_ancestral};
  int cheat_jobs = 6;
  int threads = 0;
  std::string out = "calibration";
  std::string header;   // empty: print the thresholds only
  std::string thresholds_json;  // a model folder's calibrated_thresholds.json to write
  std::string command;  // as run, for the header's comment
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_calibrate: %s\nusage: bench_calibrate [--presets tiny,small] [--prompts N] "
               "[--seeds N] [--steps 4,8] [--samplers euler,ddim,dpmpp_2m,euler_a] "
               "[--cheat-jobs N] [--threads N] [--out DIR] [--header FILE] "
               "[--models NAME=DIR,...] [--prompts-from FILE] [--thresholds-json FILE]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  a.command = "bench_calibrate";
  for (int i = 1; i < argc; ++i) a.command += std::string(" ") + argv[i];
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage("missing value after " + k);
    const std::string v = argv[++i];
    if (k == "--presets") {
      a.presets = split(v);
      a.presets_given = true;
    } else if (k == "--models") {
      for (const auto& entry : split(v)) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
          usage("--models takes NAME=DIR entries, found '" + entry + "'");
        a.models.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
      }
    } else if (k == "--prompts-from") {
      std::ifstream in(v);
      if (!in) usage("cannot read the prompts file '" + v + "'");
      a.prompt_list.clear();
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) a.prompt_list.push_back(line);
      if (a.prompt_list.empty()) usage("the prompts file '" + v + "' has no prompt");
    } else if (k == "--prompts") {
      a.prompts = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--seeds") {
      a.seeds = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--steps") {
      a.steps.clear();
      for (const auto& s : split(v)) a.steps.push_back(std::max(1, std::atoi(s.c_str())));
    } else if (k == "--samplers") {
      a.samplers.clear();
      for (const auto& s : split(v)) {
        auto kind = parse_sampler_kind(s);
        if (!kind) usage(kind.error().message);
        a.samplers.push_back(*kind);
      }
    } else if (k == "--cheat-jobs") {
      a.cheat_jobs = std::max(0, std::atoi(v.c_str()));
    } else if (k == "--threads") {
      a.threads = std::max(0, std::atoi(v.c_str()));
    } else if (k == "--out") {
      a.out = v;
    } else if (k == "--header") {
      a.header = v;
    } else if (k == "--thresholds-json") {
      a.thresholds_json = v;
    } else {
      usage("unknown option " + k);
    }
  }
  // Models alone measure only them; --presets beside them measures both.
  if (!a.models.empty() && !a.presets_given) a.presets.clear();
  a.prompts = std::min(a.prompts, static_cast<int>(a.prompt_list.size()));
  return a;
}

template <class T>
T or_die(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench_calibrate: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// Everything measured when one validator looks at one delivered render.
struct Measure {
  std::string distribution;  // honest | cheat
  std::string preset, cheat = "honest", worker_class, validator_class;
  GenerationSpec spec;
  int prompt_index = 0;
  bool same_class = false;
  bool noise_exact = false;
  std::vector<double> step_error;  // t = 0..N-1
  std::vector<bool> step_exact;
  bool decode_exact = false;
  verify::ImageDifference decode;
  bool full_measured = false;
  bool full_exact = false;
  verify::ImageDifference full;
  std::string job_key;
};

struct Reference {  // the validator's own render of a job
  RgbImage image;
  Digest root{};
};

Measure measure(const Pipeline& validator, const GenerationSpec& spec, const CheatedRender& got,
                const Reference* full_reference) {
  Measure m;
  m.spec = spec;
  const verify::Trajectory& tr = got.trajectory;
  const auto x0 = or_die(validator.initial_latent(spec), "initial latent");
  m.noise_exact = tr.leaf_count() > 0 && same_bytes(x0, tr.latent(0));
  const std::uint32_t n = tr.leaf_count() - 1;
  for (std::uint32_t t = 0; t < n; ++t) {
    const Tensor* previous = t >= 1 ? &tr.latent(t - 1) : nullptr;
    const Tensor expected =
        or_die(validator.replay_step(spec, static_cast<int>(t), tr.latent(t), previous), "replay");
    m.step_exact.push_back(same_bytes(expected, tr.latent(t + 1)));
    m.step_error.push_back(verify::step_error(tr.latent(t), tr.latent(t + 1), expected));
  }
  const RgbImage decoded = or_die(validator.decode_latent(tr.latent(n)), "decode");
  m.decode_exact = decoded == got.image;
  m.decode = verify::image_difference(decoded, got.image);
  if (full_reference) {
    m.full_measured = true;
    m.full_exact = full_reference->image == got.image && full_reference->root == tr.root();
    m.full = verify::image_difference(full_reference->image, got.image);
  }
  return m;
}

CheatedRender honest_render(const Pipeline& p, const GenerationSpec& spec) {
  CheatedRender out;
  GenerationHooks hooks;
  hooks.on_latent = [&](std::size_t, int t, const Tensor& latent) {
    out.trajectory.record(static_cast<std::uint32_t>(t), latent);
  };
  auto images = or_die(p.generate(std::span<const GenerationSpec>(&spec, 1), hooks), "render");
  out.image = std::move(images.front().image);
  return out;
}

bool step_targeted(const std::string& c) {
  return c == "fewer_steps" || c == "skipped_guidance" || c == "smaller_model" ||
         c == "quantized_8bit" || c == "quantized_4bit" || c == "other_sampler" ||
         c == "forged_trajectory" || c == "random_output";
}
bool decode_targeted(const std::string& c) {
  return c == "swapped_final_image" || c == "random_output";
}
bool full_targeted(const std::string& c) {
  return c == "wrong_seed" || c == "replayed_image" || c == "random_output" ||
         c == "swapped_final_image";
}

// --- judging, by runtime/base/verify/audits.cpp's rules ---
using verify::FindingOutcome;
using verify::judge_image;
using verify::judge_step;

std::array<FindingOutcome, 4> judge(const Measure& m, const verify::Thresholds& th) {
  std::array<FindingOutcome, 4> o{};
  o[0] = m.noise_exact ? FindingOutcome::pass : FindingOutcome::fail;
  Digest secret;
  secret.fill(0x5a);
  const auto steps = verify::choose_audit_steps(
      secret, m.job_key, static_cast<std::uint32_t>(m.step_error.size()), 3);
  o[1] = FindingOutcome::pass;
  for (std::uint32_t t : steps) {
    FindingOutcome s;
    if (m.same_class) {
      s = m.step_exact[t] ? FindingOutcome::pass : FindingOutcome::fail;
    } else {
      s = judge_step(m.step_error[t], th);
    }
    o[1] = std::max(o[1], s);
  }
  o[2] = m.same_class ? (m.decode_exact ? FindingOutcome::pass : FindingOutcome::fail)
                      : judge_image(m.decode, th);
  if (!m.full_measured)
    o[3] = FindingOutcome::pass;
  else
    o[3] = m.same_class ? (m.full_exact ? FindingOutcome::pass : FindingOutcome::fail)
                        : verify::judge_rerender_image(m.full, th);
  return o;
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void write_csv(const std::string& path, const std::vector<Measure>& ms) {
  std::ofstream f(path);
  f << "distribution,preset,cheat,worker_class,validator_class,sampler,steps,seed,prompt,audit,t,"
       "exact,step_error,psnr_db,ssim\n";
  for (const Measure& m : ms) {
    const std::string head = m.distribution + "," + m.preset + "," + m.cheat + "," +
                             m.worker_class + "," + m.validator_class + "," +
                             std::string(sampler_kind_name(m.spec.sampler)) + "," +
                             std::to_string(m.spec.steps) + "," + std::to_string(m.spec.seed) +
                             "," + std::to_string(m.prompt_index) + ",";
    f << head << "noise,0," << m.noise_exact << ",,,\n";
    for (std::size_t t = 0; t < m.step_error.size(); ++t)
      f << head << "step," << t << "," << m.step_exact[t] << "," << num(m.step_error[t]) << ",,\n";
    f << head << "decode," << m.step_error.size() << "," << m.decode_exact << ",,"
      << num(m.decode.psnr_db) << "," << num(m.decode.ssim) << "\n";
    if (m.full_measured)
      f << head << "full,-1," << m.full_exact << ",," << num(m.full.psnr_db) << ","
        << num(m.full.ssim) << "\n";
  }
}

// The day of the run (UTC), for the header's comment.
std::string today() {
  const std::time_t now = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
  return buf;
}

// "Debian GNU/Linux 12 (bookworm), 2 cores AMD EPYC 7B13": what the figures were measured on.
std::string machine() {
  std::string os = "unknown OS", cpu = "unknown CPU";
  std::ifstream release("/etc/os-release");
  for (std::string line; std::getline(release, line);)
    if (line.starts_with("PRETTY_NAME=")) {
      os = line.substr(12);
      std::erase(os, '"');
    }
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.starts_with("model name")) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  return os + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores " + cpu;
}

struct ClassSet {
  std::unique_ptr<Backend> backend;
  std::string name;  // short label
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const auto started = std::chrono::steady_clock::now();
  std::filesystem::create_directories(args.out);
  const auto models_dir = std::filesystem::temp_directory_path() /
                          ("seedgrid_calibrate_" + std::to_string(::getpid()));

  std::vector<ClassSet> classes;
  classes.push_back({std::make_unique<CpuBackend>(args.threads), "cpu-f32"});
  classes.push_back({std::make_unique<F16StorageBackend>(args.threads), "cpu-f16s"});
  std::printf("classes: %s | %s\n", classes[0].backend->determinism_class().c_str(),
              classes[1].backend->determinism_class().c_str());
  if (!worker::cheats_enabled())
    std::printf("cheats are not compiled in (configure with -DSEEDGRID_TEST_FAULTS=ON): honest "
                "distribution only\n");

  std::vector<Measure> honest, cheats;
  // Each cheat job as delivered, audited again by run_audit_suite once thresholds are picked.
  struct Delivered {
    std::string preset;
    GenerationSpec spec;
    CheatedRender render;
  };
  std::vector<Delivered> delivered;  // parallel to `cheats`
  std::map<std::string, std::vector<Pipeline>> loaded;  // preset -> {cpu, f16s}
  std::vector<std::pair<std::string, std::string>> measured;  // name, checkpoint
  for (const std::string& preset : args.presets) {
    PresetWriteOptions o;
    o.preset = preset;
    o.out_dir = (models_dir / preset).string();
    measured.emplace_back(preset, or_die(write_preset(o), "writing the preset").checkpoint_path);
  }
  for (const auto& m : args.models) measured.push_back(m);
  for (const auto& [preset, checkpoint] : measured) {
    std::vector<Pipeline>& pipelines = loaded[preset];
    for (auto& c : classes)
      pipelines.push_back(or_die(Pipeline::load(checkpoint, *c.backend), "loading"));

    std::vector<std::pair<GenerationSpec, int>> jobs;  // spec, prompt index
    for (int steps : args.steps)
      for (SamplerKind sampler : args.samplers)
        for (int p = 0; p < args.prompts; ++p)
          for (int s = 0; s < args.seeds; ++s) {
            GenerationSpec spec;
            spec.prompt = args.prompt_list[static_cast<std::size_t>(p)];
            spec.negative_prompt = "blurry, low quality";
            spec.seed = 1000 + static_cast<std::uint64_t>(s) * 7919 + p;
            spec.steps = steps;
            spec.sampler = sampler;
            spec.guidance = 7.5f;
            spec.width = spec.height = 64;
            jobs.emplace_back(spec, p);
          }

    // Honest: every job on both classes, each audited by both classes.
    std::vector<std::array<Reference, 2>> references;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const auto& [spec, prompt_index] = jobs[j];
      std::array<CheatedRender, 2> renders{honest_render(pipelines[0], spec),
                                           honest_render(pipelines[1], spec)};
      std::array<Reference, 2> refs;
      for (int v = 0; v < 2; ++v) {
        // The validator's own full render: a separate render, so same-class exactness is measured.
        const CheatedRender again = honest_render(pipelines[v], spec);
        refs[v] = {again.image, again.trajectory.root()};
      }
      for (int w = 0; w < 2; ++w)
        for (int v = 0; v < 2; ++v) {
          Measure m = measure(pipelines[v], spec, renders[w], &refs[v]);
          m.distribution = "honest";
          m.preset = preset;
          m.worker_class = classes[w].name;
          m.validator_class = classes[v].name;
          m.same_class = w == v;
          m.prompt_index = prompt_index;
          m.job_key = "honest/" + preset + "/" + std::to_string(j) + "/" + std::to_string(w);
          honest.push_back(std::move(m));
        }
      references.push_back(std::move(refs));
    }
    std::printf("%s: %zu honest jobs measured (%.0f s so far)\n", preset.c_str(), jobs.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

    // Cheats: every cheat on the first cheat_jobs jobs, by a worker of each class, CPU validator.
    if (!worker::cheats_enabled()) continue;
    const std::size_t cheat_jobs = std::min<std::size_t>(args.cheat_jobs, jobs.size());
    // Spread the cheat jobs over the samplers and step counts: every len/n-th job.
    std::vector<std::size_t> picked;
    for (std::size_t i = 0; i < cheat_jobs; ++i) picked.push_back(i * jobs.size() / cheat_jobs);
    for (Cheat cheat : worker::all_cheats()) {
      for (int w = 0; w < 2; ++w) {
        auto kit = or_die(worker::make_cheat_kit(cheat, pipelines[w], *classes[w].backend),
                          "cheat kit");
        if (cheat == Cheat::replayed_image) {  // the first job is honest: spend it elsewhere
          GenerationSpec warmup = jobs.back().first;
          warmup.prompt = "a quiet harbour";
          warmup.seed = 99;
          (void)or_die(worker::render_cheating(cheat, kit, warmup), "replay warm-up");
        }
        for (std::size_t j : picked) {
          const auto& [spec, prompt_index] = jobs[j];
          const CheatedRender r = or_die(worker::render_cheating(cheat, kit, spec), "cheat");
          Measure m = measure(pipelines[0], spec, r, &references[j][0]);
          m.distribution = "cheat";
          m.preset = preset;
          m.cheat = std::string(worker::cheat_name(cheat));
          m.worker_class = classes[w].name;
          m.validator_class = classes[0].name;
          m.same_class = w == 0;
          m.prompt_index = prompt_index;
          m.job_key = "cheat/" + preset + "/" + m.cheat + "/" + std::to_string(j) + "/" +
                      std::to_string(w);
          cheats.push_back(std::move(m));
          delivered.push_back({preset, spec, r});
        }
      }
    }
    std::printf("%s: cheats measured (%.0f s so far)\n", preset.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  std::error_code ec;
  std::filesystem::remove_all(models_dir, ec);

  write_csv(args.out + "/honest.csv", honest);
  write_csv(args.out + "/cheats.csv", cheats);

  // --- extremes ---
  bench::Extremes e;
  e.min_honest_psnr = INFINITY;
  e.min_cheat_step = INFINITY;
  e.max_cheat_psnr = -INFINITY;
  std::size_t same_class_runs = 0, same_class_exact = 0;
  double full_min_psnr = INFINITY, full_min_ssim = 1.0;  // honest whole re-renders across classes
  for (const Measure& m : honest) {
    if (m.same_class) {
      ++same_class_runs;
      const bool all_steps =
          std::all_of(m.step_exact.begin(), m.step_exact.end(), [](bool b) { return b; });
      same_class_exact += m.noise_exact && all_steps && m.decode_exact && m.full_exact;
      continue;
    }
    for (double s : m.step_error) e.max_honest_step = std::max(e.max_honest_step, s);
    // The decode alone sets the image thresholds: a whole re-render across classes can diverge
    // honestly (a different layout, 21 dB), so it is only ever grey (judge_rerender_image) and its
    // tail would let every image-targeted cheat pass the decode audit.
    e.min_honest_psnr = std::min(e.min_honest_psnr, m.decode.psnr_db);
    e.min_honest_ssim = std::min(e.min_honest_ssim, m.decode.ssim);
    if (m.full_measured) {
      full_min_psnr = std::min(full_min_psnr, m.full.psnr_db);
      full_min_ssim = std::min(full_min_ssim, m.full.ssim);
    }
  }
  // Step errors of each step-targeted cheat across classes; a cheat is separable when its median
  // error is above the pass threshold the honest runs imply (pick_thresholds.hpp).
  std::map<std::string, std::vector<double>> cheat_steps;
  for (const Measure& m : cheats) {
    if (m.same_class) continue;  // thresholds only ever judge across classes
    if (step_targeted(m.cheat))
      cheat_steps[m.cheat].insert(cheat_steps[m.cheat].end(), m.step_error.begin(),
                                  m.step_error.end());
    std::vector<verify::ImageDifference> images;
    if (decode_targeted(m.cheat)) images.push_back(m.decode);
    if (full_targeted(m.cheat)) images.push_back(m.full);
    for (const auto& d : images) {
      e.max_cheat_psnr = std::max(e.max_cheat_psnr, d.psnr_db);
      e.max_cheat_ssim = std::max(e.max_cheat_ssim, d.ssim);
    }
  }
  const double pass_estimate = std::max(2.0 * e.max_honest_step, 1e-6);
  std::vector<double> separable;
  std::string inseparable;
  for (auto& [c, v] : cheat_steps) {
    std::sort(v.begin(), v.end());
    if (v.empty()) continue;
    if (v[v.size() / 2] > pass_estimate)
      separable.insert(separable.end(), v.begin(), v.end());
    else
      inseparable += (inseparable.empty() ? "" : ", ") + c;
  }
  std::sort(separable.begin(), separable.end());
  if (!separable.empty()) e.min_cheat_step = separable[separable.size() / 20];
  if (cheats.empty()) {
    e.min_cheat_step = INFINITY;
    e.max_cheat_psnr = 0.0;
    e.max_cheat_ssim = 0.0;
  }
  const bench::Picked picked = bench::pick_thresholds(e);
  const verify::Thresholds& th = picked.thresholds;

  std::printf("\nsame class: %zu of %zu honest audits bytewise exact (noise, every step, decode, "
              "full)\n",
              same_class_exact, same_class_runs);
  std::printf("cross class honest: max step error %s, decode min PSNR %s dB, min SSIM %s; whole "
              "re-render min PSNR %s dB, min SSIM %s (never a fail across classes)\n",
              num(e.max_honest_step).c_str(), num(e.min_honest_psnr).c_str(),
              num(e.min_honest_ssim).c_str(), num(full_min_psnr).c_str(),
              num(full_min_ssim).c_str());
  if (!inseparable.empty())
    std::printf("not separable by one step across classes (median error <= pass): %s\n",
                inseparable.c_str());
  std::printf("cross class cheats: 5th percentile step error (separable) %s, max PSNR "
              "(image-targeted) %s dB, max SSIM %s\n",
              num(e.min_cheat_step).c_str(), num(e.max_cheat_psnr).c_str(),
              num(e.max_cheat_ssim).c_str());
  // Per cheat: the smallest step error it showed across classes (what decides the step audit).
  std::map<std::string, double> cheat_min_step;
  for (const Measure& m : cheats)
    if (!m.same_class)
      for (double s : m.step_error)
        cheat_min_step[m.cheat] =
            std::min(cheat_min_step.contains(m.cheat) ? cheat_min_step[m.cheat] : INFINITY, s);
  for (const auto& [c, v] : cheat_min_step)
    std::printf("  %-20s min cross-class step error %s\n", c.c_str(), num(v).c_str());
  if (!picked.notes.empty()) std::printf("%s", picked.notes.c_str());
  std::printf("\nthresholds: step pass <= %s, fail > %s; PSNR pass >= %s dB, fail < %s dB; SSIM "
              "pass >= %s, fail < %s\n",
              num(th.step_pass).c_str(), num(th.step_fail).c_str(), num(th.psnr_pass).c_str(),
              num(th.psnr_fail).c_str(), num(th.ssim_pass).c_str(), num(th.ssim_fail).c_str());

  // False positives: honest audits that fail (and that go grey) at the picked thresholds.
  std::array<int, 4> honest_fail{}, honest_grey{};
  int honest_jobs = 0, honest_any_fail = 0;
  for (const Measure& m : honest) {
    const auto o = judge(m, th);
    ++honest_jobs;
    bool any = false;
    for (int k = 0; k < 4; ++k) {
      honest_fail[k] += o[k] == FindingOutcome::fail;
      honest_grey[k] += o[k] == FindingOutcome::grey;
      any |= o[k] == FindingOutcome::fail;
    }
    honest_any_fail += any;
  }
  std::printf("\nhonest runs: %d audited job pairs; false positives (fail) noise %d, step %d, "
              "decode %d, full %d; grey: step %d, decode %d, full %d; any audit failing: %d\n",
              honest_jobs, honest_fail[0], honest_fail[1], honest_fail[2], honest_fail[3],
              honest_grey[1], honest_grey[2], honest_grey[3], honest_any_fail);

  // Detection: per cheat and worker class, the share of jobs each audit fails (grey in brackets).
  const bool shipping = !args.header.empty() || !args.thresholds_json.empty();
  const verify::Thresholds& judging = shipping ? th : config::kCalibratedThresholds;
  std::printf("\ndetection judged by run_audit_suite at the %s thresholds",
              shipping ? "picked" : "shipped (config::kCalibratedThresholds)");
  std::printf("\ndetection rate per cheat per audit (fail %% [grey %%]), validator cpu-f32, k = 3 "
              "steps:\n%-20s %-9s %5s %-12s %-12s %-12s %-12s\n",
              "cheat", "worker", "jobs", "noise", "step", "decode", "full");
  std::map<std::pair<std::string, std::string>, std::vector<std::array<FindingOutcome, 4>>> table;
  for (std::size_t i = 0; i < cheats.size(); ++i) {
    const Measure& m = cheats[i];
    const Delivered& d = delivered[i];
    worker::AuditSuiteOptions o;
    o.step_audits = 3;
    o.secret.fill(0x5a);
    o.job_key = m.job_key;
    const std::size_t w = m.same_class ? 0 : 1;
    const auto report = or_die(
        worker::run_audit_suite(loaded.at(d.preset)[0], d.spec,
                                classes[w].backend->determinism_class(), d.render.image,
                                d.render.trajectory, judging, o),
        "auditing a cheat");
    std::array<FindingOutcome, 4> outcomes{};
    for (int k = 0; k < 4; ++k) outcomes[k] = report.findings[k].outcome;
    table[{m.cheat, m.worker_class}].push_back(outcomes);
  }
  for (Cheat c : worker::all_cheats())
    for (const auto& cls : classes) {
      const auto it = table.find({std::string(worker::cheat_name(c)), cls.name});
      if (it == table.end()) continue;
      const auto& rows = it->second;
      std::printf("%-20s %-9s %5zu", std::string(worker::cheat_name(c)).c_str(), cls.name.c_str(),
                  rows.size());
      for (int k = 0; k < 4; ++k) {
        int f = 0, g = 0;
        for (const auto& o : rows) {
          f += o[k] == FindingOutcome::fail;
          g += o[k] == FindingOutcome::grey;
        }
        char cell[32];
        std::snprintf(cell, sizeof cell, "%3.0f [%3.0f]", 100.0 * f / rows.size(),
                      100.0 * g / rows.size());
        std::printf(" %-12s", cell);
      }
      std::printf("\n");
    }
  if (shipping) {
    // What the header's comment says about this run: where, how, and the distributions' edges.
    std::string measurement = "Measurement: " + today() + ", " + machine() + ", ";
    measurement += classes[0].name + " vs " + classes[1].name +
                   " (fp16 storage, fp32 math) both ways, `" + args.command + "`: ";
    measurement += std::to_string(honest.size() / 4) + " honest jobs, " +
                   std::to_string(honest.size()) + " audited worker/validator pairs, " +
                   std::to_string(cheats.size()) + " cheat jobs. ";
    measurement += "Honest across classes: step error <= " + num(e.max_honest_step) +
                   ", decode PSNR >= " + num(e.min_honest_psnr) +
                   " dB, SSIM >= " + num(e.min_honest_ssim) + " (whole re-renders: PSNR >= " +
                   num(full_min_psnr) + " dB, SSIM >= " + num(full_min_ssim) +
                   ", grey at worst); " +
                   std::to_string(honest_any_fail) + " false positives. ";
    measurement += "Image-targeted cheats: PSNR <= " + num(e.max_cheat_psnr) +
                   " dB, SSIM <= " + num(e.max_cheat_ssim) +
                   "; 5th percentile of separable step-targeted cheats' step errors " +
                   num(e.min_cheat_step) + ". ";
    measurement +=
        "No GPU class is measured here: re-run on a GPU worker class before trusting "
        "these there.";
    const auto write = [](const std::string& path, const std::string& text) {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << text;
      if (f.flush()) return true;
      std::fprintf(stderr, "bench_calibrate: cannot write %s\n", path.c_str());
      return false;
    };
    if (!args.header.empty()) {
      if (!write(args.header, bench::thresholds_header(th, measurement))) return 1;
      std::printf("\nwrote %s (config::kCalibratedThresholds)\n", args.header.c_str());
    }
    if (!args.thresholds_json.empty()) {
      if (!write(args.thresholds_json, config::model_thresholds_json(th, measurement))) return 1;
      std::printf("\nwrote %s (the model's own thresholds)\n", args.thresholds_json.c_str());
    }
  } else {
    std::printf(
        "\nnot shipped: pass --header config/calibrated_thresholds.hpp (every model's default) or "
        "--thresholds-json MODEL_DIR/calibrated_thresholds.json (one model's own) to write them\n");
  }
  std::printf("wrote %s/honest.csv (%zu job pairs) and %s/cheats.csv (%zu cheat jobs) in %.0f s\n",
              args.out.c_str(), honest.size(), args.out.c_str(), cheats.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}
