// Renders a job set on one backend and writes every job's trajectory and image (render_record.hpp),
// or replays another class's recorded jobs: each step from the worker's x_t and the decode of its
// x_N, what a validator of this class computes in a step or decode audit. bench_compare_classes
// then judges the two classes against a model's thresholds. Core-only, so a GPU machine builds it.
//
//   bench_record_renders --model DIR --prompts-from FILE --out DIR [--backend cpu|cuda]
//       [--precision f32|f16]
//       [--seeds 4] [--samplers euler,euler_a,ddim,dpmpp_2m] [--steps 8,20] [--guidance 5]
//       [--size 64] [--batch 8] [--threads N]
//   bench_record_renders --model DIR --replay-of WORKER_DIR --out DIR [--backend ...]
//
// Jobs: every prompt x seed (1001, 1002, ...) x sampler x steps, at --size x --size pixels.
// Exit status: 0 done, 1 failed, 2 usage error, 77 asked for CUDA where there is no device.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/cross_class/render_record.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/samplers/sampler_kind.hpp"

namespace {

using namespace seedgrid;
using bench::RecordedJob;
using bench::RecordFolder;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string backend = "cpu", precision, model, prompts_from, out, replay_of;
  int seeds = 4, batch = 8, threads = 0;
  int size = 64;  // the shapes model's images
  std::vector<SamplerKind> samplers{SamplerKind::euler, SamplerKind::euler_ancestral,
                                    SamplerKind::ddim, SamplerKind::dpmpp_2m};
  std::vector<int> steps{8, 20};
  float guidance = 5.0f;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_record_renders: %s\nusage: bench_record_renders --model DIR (--prompts-from "
               "FILE | --replay-of WORKER_DIR) --out DIR [--backend cpu|cuda] [--precision P] "
               "[--seeds N] "
               "[--samplers euler,...] [--steps 8,20] [--guidance G] [--size PX] [--batch N] "
               "[--threads N]\n",
               why.c_str());
  std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= s.size();) {
    std::size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    if (comma > at) out.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

int number(const std::string& flag, const std::string& v, int min) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > 100000)
    usage(flag + " " + v + ": expected an integer >= " + std::to_string(min));
  return static_cast<int>(n);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--backend") {
      a.backend = v;
    } else if (flag == "--precision") {
      a.precision = v;
    } else if (flag == "--model") {
      a.model = v;
    } else if (flag == "--prompts-from") {
      a.prompts_from = v;
    } else if (flag == "--replay-of") {
      a.replay_of = v;
    } else if (flag == "--out") {
      a.out = v;
    } else if (flag == "--seeds") {
      a.seeds = number(flag, v, 1);
    } else if (flag == "--size") {
      a.size = number(flag, v, 8);
    } else if (flag == "--batch") {
      a.batch = number(flag, v, 1);
    } else if (flag == "--threads") {
      a.threads = number(flag, v, 0);
    } else if (flag == "--guidance") {
      a.guidance = std::strtof(v.c_str(), nullptr);
      if (!(a.guidance >= 1.0f)) usage("--guidance " + v + ": expected a number >= 1");
    } else if (flag == "--samplers") {
      a.samplers.clear();
      for (const auto& name : split(v)) {
        auto kind = parse_sampler_kind(name);
        if (!kind) usage("--samplers: " + kind.error().message);
        a.samplers.push_back(*kind);
      }
    } else if (flag == "--steps") {
      a.steps.clear();
      for (const auto& s : split(v)) a.steps.push_back(number(flag, s, 1));
    } else {
      usage("unknown option " + flag);
    }
  }
  if (a.model.empty() || a.out.empty()) usage("--model and --out are required");
  if (a.prompts_from.empty() == a.replay_of.empty())
    usage("give exactly one of --prompts-from FILE and --replay-of WORKER_DIR");
  return a;
}

Result<std::vector<std::string>> read_prompts(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read prompts from ", path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line);
  if (out.empty()) return fail(path, " has no prompts");
  return out;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Renders the jobs in batches of compatible specs (same sampler and steps), writing each job's
// x_0 .. x_N and pixels.
Result<void> render(const Pipeline& pipeline, RecordFolder& folder, int batch_size) {
  const auto t0 = Clock::now();
  for (std::size_t first = 0; first < folder.jobs.size();) {
    std::size_t end = first + 1;
    while (end < folder.jobs.size() && end - first < static_cast<std::size_t>(batch_size) &&
           batch_incompatibility(folder.jobs[first].spec, folder.jobs[end].spec).empty())
      ++end;
    std::vector<GenerationSpec> batch;
    for (std::size_t j = first; j < end; ++j) batch.push_back(folder.jobs[j].spec);
    std::vector<std::vector<Tensor>> latents(batch.size());
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t job, int, const Tensor& x) { latents[job].push_back(x); };
    auto images = pipeline.generate(batch, hooks);
    if (!images) return context(images.error(), "rendering ", folder.jobs[first].name);
    for (std::size_t j = first; j < end; ++j) {
      RecordedJob& job = folder.jobs[j];
      job.latent_shape = latents[j - first].front().shape();
      const std::string stem = folder.dir + "/" + job.name;
      if (auto w = bench::write_latents(stem + ".latents", latents[j - first]); !w) return w;
      if (auto w = bench::write_pixels(stem + ".rgb", (*images)[j - first].image); !w) return w;
    }
    std::printf("rendered %zu/%zu jobs (%.1f s)\n", end, folder.jobs.size(), seconds_since(t0));
    std::fflush(stdout);
    first = end;
  }
  return bench::write_index(folder);
}

// For each job of the worker's folder: x̂_{t+1} = replay_step(x_t [, x_{t-1}]) for every t, and
// the decode of its x_N.
Result<void> replay(const Pipeline& pipeline, const RecordFolder& worker, RecordFolder& folder) {
  const auto t0 = Clock::now();
  folder.jobs = worker.jobs;
  for (std::size_t n = 0; n < worker.jobs.size(); ++n) {
    const RecordedJob& job = worker.jobs[n];
    auto xs = bench::read_latents(worker.dir + "/" + job.name + ".latents", job.latent_shape);
    if (!xs) return pass_on(xs);
    if (xs->size() < 2) return fail(job.name, ": a trajectory of ", xs->size(), " latents");
    std::vector<Tensor> replayed;
    for (std::size_t t = 0; t + 1 < xs->size(); ++t) {
      const Tensor* previous = t > 0 ? &(*xs)[t - 1] : nullptr;
      auto next = pipeline.replay_step(job.spec, static_cast<int>(t), (*xs)[t], previous);
      if (!next) return context(next.error(), "replaying ", job.name, " step ", t);
      replayed.push_back(std::move(*next));
    }
    auto decoded = pipeline.decode_latent(xs->back());
    if (!decoded) return context(decoded.error(), "decoding ", job.name);
    const std::string stem = folder.dir + "/" + job.name;
    if (auto w = bench::write_latents(stem + ".replayed", replayed); !w) return w;
    if (auto w = bench::write_pixels(stem + ".decoded.rgb", *decoded); !w) return w;
    if ((n + 1) % 16 == 0 || n + 1 == worker.jobs.size()) {
      std::printf("replayed %zu/%zu jobs (%.1f s)\n", n + 1, worker.jobs.size(), seconds_since(t0));
      std::fflush(stdout);
    }
  }
  return bench::write_index(folder);
}

int run(const Args& a) {
  auto precision = resolve_precision(a.backend, a.precision);
  if (!precision) usage(precision.error().message);
  auto backend = open_backend({a.backend, *precision, a.threads});
  if (!backend) {
    std::fprintf(stderr, "bench_record_renders: %s\n", backend.error().message.c_str());
    return a.backend == "cuda" ? 77 : 1;
  }
  auto pipeline = Pipeline::load(a.model, **backend);
  if (!pipeline) {
    std::fprintf(stderr, "bench_record_renders: %s\n", pipeline.error().message.c_str());
    return 1;
  }
  RecordFolder folder;
  folder.dir = a.out;
  folder.determinism_class = (*backend)->determinism_class();
  folder.model_id = pipeline->model_id();
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) {
    std::fprintf(stderr, "bench_record_renders: cannot create %s: %s\n", a.out.c_str(),
                 ec.message().c_str());
    return 1;
  }
  Result<void> done;
  if (!a.replay_of.empty()) {
    auto worker = bench::read_index(a.replay_of);
    if (!worker) {
      std::fprintf(stderr, "bench_record_renders: %s\n", worker.error().message.c_str());
      return 1;
    }
    done = replay(*pipeline, *worker, folder);
  } else {
    auto prompts = read_prompts(a.prompts_from);
    if (!prompts) {
      std::fprintf(stderr, "bench_record_renders: %s\n", prompts.error().message.c_str());
      return 1;
    }
    for (SamplerKind sampler : a.samplers)
      for (int steps : a.steps)
        for (const auto& prompt : *prompts)
          for (int s = 0; s < a.seeds; ++s) {
            RecordedJob j;
            char name[16];
            std::snprintf(name, sizeof name, "j%04zu", folder.jobs.size());
            j.name = name;
            j.spec.prompt = prompt;
            j.spec.negative_prompt.clear();
            j.spec.seed = 1001 + static_cast<std::uint64_t>(s);
            j.spec.sampler = sampler;
            j.spec.steps = steps;
            j.spec.guidance = a.guidance;
            j.spec.width = a.size;
            j.spec.height = a.size;
            folder.jobs.push_back(std::move(j));
          }
    done = render(*pipeline, folder, a.batch);
  }
  if (!done) {
    std::fprintf(stderr, "bench_record_renders: %s\n", done.error().message.c_str());
    return 1;
  }
  std::printf("wrote %zu jobs of class %s to %s\n", folder.jobs.size(),
              folder.determinism_class.c_str(), folder.dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(parse(argc, argv)); }
