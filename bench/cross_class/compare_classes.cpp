// Judges one determinism class's recorded renders (the worker's) with another's (the validator's)
// as the audits of runtime/base/verify/audits.hpp would across classes: every step's update
// error (the validator's replay from the worker's x_t against the worker's x_{t+1}), the decode
// of the worker's x_N and the validator's full re-render against the worker's image, each judged
// pass / grey / fail at a model's calibrated thresholds (a whole re-render pass / grey only, as
// verify::judge_rerender does across classes). An honest pair of classes must fail none; each grey
// costs an escalation to a referee of the worker's class.
//
//   bench_compare_classes --worker DIR --validator DIR --replays DIR
//       [--thresholds-of MODEL_DIR] [--csv FILE]
//
// --worker and --validator: bench_record_renders folders of the same job set; --replays: the
// validator class's replay of the worker folder (bench_record_renders --replay-of). Thresholds:
// the model folder's calibrated_thresholds.json, else the shipped defaults.
// Exit status: 0 no audit failed, 3 some failed, 1 error, 2 usage error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/cross_class/render_record.hpp"
#include "config/model_thresholds.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/comparison.hpp"

namespace {

using namespace seedgrid;
using bench::RecordFolder;
using verify::FindingOutcome;

struct Args {
  std::string worker, validator, replays, thresholds_of, csv;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_compare_classes: %s\nusage: bench_compare_classes --worker DIR --validator "
               "DIR --replays DIR [--thresholds-of MODEL_DIR] [--csv FILE]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--worker") a.worker = v;
    else if (flag == "--validator") a.validator = v;
    else if (flag == "--replays") a.replays = v;
    else if (flag == "--thresholds-of") a.thresholds_of = v;
    else if (flag == "--csv") a.csv = v;
    else usage("unknown option " + flag);
  }
  if (a.worker.empty() || a.validator.empty() || a.replays.empty())
    usage("--worker, --validator and --replays are required");
  return a;
}

// One audit kind's measurements: the worst values and how many judged pass / grey / fail.
struct Tally {
  double worst_step = 0.0;
  double worst_psnr = INFINITY, worst_ssim = 1.0;
  std::map<FindingOutcome, int> outcomes;
  std::string worst_job;
};

bool same_job(const bench::RecordedJob& a, const bench::RecordedJob& b) {
  return a.name == b.name && a.spec.prompt == b.spec.prompt && a.spec.seed == b.spec.seed &&
         a.spec.sampler == b.spec.sampler && a.spec.steps == b.spec.steps &&
         a.spec.guidance == b.spec.guidance && a.spec.width == b.spec.width &&
         a.spec.height == b.spec.height;
}

void print_tally(const char* kind, const Tally& t, bool image) {
  auto count = [&](FindingOutcome o) {
    auto it = t.outcomes.find(o);
    return it == t.outcomes.end() ? 0 : it->second;
  };
  if (image)
    std::printf("  %-7s pass %5d  grey %3d  fail %3d   worst PSNR %.2f dB, SSIM %.6f (%s)\n", kind,
                count(FindingOutcome::pass), count(FindingOutcome::grey),
                count(FindingOutcome::fail), t.worst_psnr, t.worst_ssim, t.worst_job.c_str());
  else
    std::printf("  %-7s pass %5d  grey %3d  fail %3d   worst update error %.5f (%s)\n", kind,
                count(FindingOutcome::pass), count(FindingOutcome::grey),
                count(FindingOutcome::fail), t.worst_step, t.worst_job.c_str());
}

int run(const Args& a) {
  auto worker = bench::read_index(a.worker);
  auto validator = worker ? bench::read_index(a.validator) : worker;
  auto replays = validator ? bench::read_index(a.replays) : validator;
  if (!replays) {
    std::fprintf(stderr, "bench_compare_classes: %s\n", replays.error().message.c_str());
    return 1;
  }
  if (worker->jobs.size() != validator->jobs.size() || worker->jobs.size() != replays->jobs.size()) {
    std::fprintf(stderr, "bench_compare_classes: %zu worker jobs, %zu validator jobs, %zu replays: "
                 "record the same job set in each\n", worker->jobs.size(),
                 validator->jobs.size(), replays->jobs.size());
    return 1;
  }
  for (const RecordFolder* other : {&*validator, &*replays})
    if (other->model_id != worker->model_id) {
      std::fprintf(stderr, "bench_compare_classes: %s was made with model %s, %s with %s: record "
                   "both with the same model\n", other->dir.c_str(), other->model_id.c_str(),
                   worker->dir.c_str(), worker->model_id.c_str());
      return 1;
    }
  if (replays->determinism_class != validator->determinism_class)
    std::fprintf(stderr, "bench_compare_classes: warning: replays are of class %s, the "
                 "validator's renders of %s\n", replays->determinism_class.c_str(),
                 validator->determinism_class.c_str());
  config::ValidatorThresholds thresholds = config::default_validator_thresholds();
  std::string source = "the shipped defaults";
  if (!a.thresholds_of.empty()) {
    auto own = config::read_model_thresholds(a.thresholds_of);
    if (!own) {
      std::fprintf(stderr, "bench_compare_classes: %s\n", own.error().message.c_str());
      return 1;
    }
    if (*own) {
      thresholds = **own;
      source = a.thresholds_of + "/" + config::kModelThresholdsFile;
    }
  }
  std::ofstream csv;
  if (!a.csv.empty()) {
    csv.open(a.csv);
    if (!csv) {
      std::fprintf(stderr, "bench_compare_classes: cannot write %s\n", a.csv.c_str());
      return 1;
    }
    csv << "job,sampler,steps,audit,t,error,psnr_db,ssim,outcome\n";
  }
  Tally step, decode, full;
  for (std::size_t n = 0; n < worker->jobs.size(); ++n) {
    const auto& job = worker->jobs[n];
    if (!same_job(job, validator->jobs[n]) || !same_job(job, replays->jobs[n])) {
      std::fprintf(stderr, "bench_compare_classes: job %zu (%s) differs between the folders: "
                   "record the same job set in each\n", n, job.name.c_str());
      return 1;
    }
    const std::string sampler(sampler_kind_name(job.spec.sampler));
    const auto w = [&](const std::string& d, const std::string& ext) {
      return d + "/" + job.name + ext;
    };
    auto xs = bench::read_latents(w(a.worker, ".latents"), job.latent_shape);
    auto expected = xs ? bench::read_latents(w(a.replays, ".replayed"), job.latent_shape) : xs;
    auto image = bench::read_pixels(w(a.worker, ".rgb"), job.spec.width, job.spec.height);
    auto decoded = bench::read_pixels(w(a.replays, ".decoded.rgb"), job.spec.width,
                                      job.spec.height);
    auto rerender = bench::read_pixels(w(a.validator, ".rgb"), job.spec.width, job.spec.height);
    for (const Error* e : {expected ? nullptr : &expected.error(), image ? nullptr : &image.error(),
                           decoded ? nullptr : &decoded.error(),
                           rerender ? nullptr : &rerender.error()})
      if (e) {
        std::fprintf(stderr, "bench_compare_classes: %s\n", e->message.c_str());
        return 1;
      }
    if (expected->size() + 1 != xs->size()) {
      std::fprintf(stderr, "bench_compare_classes: %s: %zu replayed steps for %zu latents\n",
                   job.name.c_str(), expected->size(), xs->size());
      return 1;
    }
    for (std::size_t t = 0; t < expected->size(); ++t) {
      const double e = verify::step_error((*xs)[t], (*xs)[t + 1], (*expected)[t]);
      const FindingOutcome o = verify::judge_step(e, thresholds);
      ++step.outcomes[o];
      if (!(e <= step.worst_step)) {
        step.worst_step = e;
        step.worst_job = job.name + " " + sampler + " t=" + std::to_string(t);
      }
      if (csv) csv << job.name << ',' << sampler << ',' << job.spec.steps << ",step," << t << ','
                   << e << ",,," << verify::finding_outcome_name(o) << '\n';
    }
    const std::pair<const char*, const RgbImage*> images[] = {{"decode", &*decoded},
                                                              {"full", &*rerender}};
    for (const auto& [kind, made] : images) {
      const auto d = verify::image_difference(*made, *image);
      const bool whole = std::string(kind) == "full";
      const FindingOutcome o = whole ? verify::judge_rerender_image(d, thresholds)
                                     : verify::judge_image(d, thresholds);
      Tally& t = whole ? full : decode;
      ++t.outcomes[o];
      if (!(d.ssim >= t.worst_ssim) || !(d.psnr_db >= t.worst_psnr)) {
        t.worst_psnr = std::min(t.worst_psnr, d.psnr_db);
        t.worst_ssim = std::min(t.worst_ssim, d.ssim);
        t.worst_job = job.name + " " + sampler;
      }
      if (csv) csv << job.name << ',' << sampler << ',' << job.spec.steps << ',' << kind << ",,,"
                   << d.psnr_db << ',' << d.ssim << ',' << verify::finding_outcome_name(o)
                   << '\n';
    }
  }
  std::printf("worker class    %s\nvalidator class %s\nmodel %s, %zu jobs, thresholds from %s:\n"
              "  step pass <= %.4g, fail > %.4g; images pass at PSNR >= %.2f dB and SSIM >= "
              "%.5f, fail below %.2f dB or %.5f\n",
              worker->determinism_class.c_str(), validator->determinism_class.c_str(),
              worker->model_id.c_str(), worker->jobs.size(), source.c_str(), thresholds.step_pass,
              thresholds.step_fail, thresholds.psnr_pass, thresholds.ssim_pass,
              thresholds.psnr_fail, thresholds.ssim_fail);
  print_tally("step", step, false);
  print_tally("decode", decode, true);
  print_tally("full", full, true);
  const auto failed = [](const Tally& t) { return t.outcomes.count(FindingOutcome::fail) > 0; };
  return failed(step) || failed(decode) || failed(full) ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) { return run(parse(argc, argv)); }
