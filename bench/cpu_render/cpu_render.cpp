// Per-stage wall time of a CPU render and the process's peak resident memory, on presets written to
// a temporary folder (models/presets) or on a checkpoint already on disk (--model): load, tokenize +
// text encoder, each sampler step (UNet with CFG, both rows in one batch, plus the sampler update),
// VAE decode. It also prints a SHA-256 over every latent x_0 .. x_N of the first job, so two builds
// can be shown to render the same bytes.
//
//   bench_cpu_render [--presets tiny,small | --model PATH] [--precision f32|f16] [--steps 20]
//                    [--threads N] [--batch B] [--size PIXELS] [--decode no]
//                    [--isa portable|avx2|avx512]
//
// --isa picks the GEMM micro-kernel (default: the widest the machine runs). It changes no byte,
// which the latent digest shows; it is here to measure what the wider registers buy.
//
// --decode no stops after the sampler (one job, the passes generate is made of): on a shared
// machine a timing pair of two builds then costs minutes less per sd15 render.
//
// One process measures one class and size when peak RSS matters (bench/cpu_render/sd15.sh runs
// each class at 256 and 512 on the sd15 preset that way).
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/parallel.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "models/presets/preset.hpp"
#include "models/presets/write_preset.hpp"
#include "models/weights/sha256.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace gemm = seedgrid::kernels::cpu::gemm;

// Taken before main runs: "before step 1" counts from the start of the process, as a user waits.
const Clock::time_point process_start = Clock::now();

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The process's peak resident set (VmHWM). Resetting it between presets (writing 5 to
// /proc/self/clear_refs) makes it per preset; where that is not allowed it is the peak so far.
bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

double peak_rss_mib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f != nullptr) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      long kib = 0;
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) {
        std::fclose(f);
        return static_cast<double>(kib) / 1024.0;
      }
    }
    std::fclose(f);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

struct Args {
  std::vector<std::string> presets{"tiny", "small"};
  std::string model;      // a checkpoint on disk instead of the presets
  std::string precision;  // f32 (CpuBackend) or f16 (F16StorageBackend)
  int steps = 20;
  int threads = 0;
  int batch = 1;
  int size = 0;  // 0: the preset's own size
  bool decode = true;
  std::string isa;  // empty: the widest the machine runs
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_cpu_render: %s needs a value\n", flag.c_str());
      std::exit(2);
    }
    const std::string value = argv[++i];
    if (flag == "--presets") {
      a.presets.clear();
      for (std::size_t at = 0; at <= value.size();) {
        const std::size_t comma = value.find(',', at);
        a.presets.push_back(
            value.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        at = comma == std::string::npos ? value.size() + 1 : comma + 1;
      }
    } else if (flag == "--model") {
      a.model = value;
    } else if (flag == "--precision") {
      a.precision = value;
    } else if (flag == "--steps") {
      a.steps = std::atoi(value.c_str());
    } else if (flag == "--threads") {
      a.threads = std::atoi(value.c_str());
    } else if (flag == "--batch") {
      a.batch = std::atoi(value.c_str());
    } else if (flag == "--decode") {
      a.decode = value != "no";
    } else if (flag == "--size") {
      a.size = std::atoi(value.c_str());
    } else if (flag == "--isa") {
      a.isa = value;
    } else {
      std::fprintf(stderr, "bench_cpu_render: unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return a;
}

// Renders `checkpoint` once and prints the figures under `name`.
int bench_checkpoint(const Args& args, const std::string& name, const std::string& checkpoint,
                     int default_size) {
  const bool per_run = reset_peak_rss();
  seedgrid::BackendChoice choice;
  choice.precision = args.precision;
  choice.threads = args.threads;
  auto backend = seedgrid::open_backend(choice);
  if (!backend) {
    std::fprintf(stderr, "bench_cpu_render: %s\n", backend.error().message.c_str());
    return 1;
  }
  const auto load_start = Clock::now();
  auto pipeline = seedgrid::Pipeline::load(checkpoint, **backend);
  if (!pipeline) {
    std::fprintf(stderr, "bench_cpu_render: %s\n", pipeline.error().message.c_str());
    return 1;
  }
  const double load_ms = ms_between(load_start, Clock::now());

  std::vector<seedgrid::GenerationSpec> specs(static_cast<std::size_t>(args.batch));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    specs[i].prompt = "a lighthouse on a cliff at sunset, dramatic sky, highly detailed";
    specs[i].negative_prompt = "blurry, low quality";
    specs[i].seed = 42 + i;
    specs[i].steps = args.steps;
    specs[i].guidance = 7.5f;
    specs[i].width = specs[i].height = args.size > 0 ? args.size : default_size;
  }
  std::vector<Clock::time_point> marks;
  seedgrid::GenerationHooks hooks;
  seedgrid::Sha256 trajectory;
  // x_0 marks the end of text encoding and noise, each later latent the end of a step.
  hooks.on_latent = [&](std::size_t job, int, const seedgrid::Tensor& latent) {
    if (job != 0) return;
    marks.push_back(Clock::now());
    trajectory.update(latent.raw(), latent.bytes());
  };
  const auto start = Clock::now();
  std::optional<seedgrid::Error> error;
  if (args.decode) {
    auto out = pipeline->generate(specs, hooks);
    if (!out) error = out.error();
  } else {
    const seedgrid::GenerationSpec& spec = specs.front();
    auto text = pipeline->encode_prompt(spec.prompt, spec.negative_prompt, true);
    auto noise = pipeline->latent_noise(spec.width, spec.height, spec.seed,
                                        seedgrid::NoiseStream::initial_latent);
    if (!text) error = text.error();
    if (!noise) error = noise.error();
    if (!error) {
      seedgrid::SamplingPass pass;
      pass.steps = spec.steps;
      pass.guidance = spec.guidance;
      pass.seed = spec.seed;
      auto out = pipeline->sample(pass, *text, *noise, nullptr, hooks);
      if (!out) error = out.error();
    }
  }
  const auto end = Clock::now();
  if (error) {
    std::fprintf(stderr, "bench_cpu_render: %s\n", error->message.c_str());
    return 1;
  }
  std::vector<double> step_ms;
  for (std::size_t i = 1; i < marks.size(); ++i)
    step_ms.push_back(ms_between(marks[i - 1], marks[i]));
  double steps_total = 0, fastest = 1e300, slowest = 0;
  for (double s : step_ms) {
    steps_total += s;
    fastest = std::min(fastest, s);
    slowest = std::max(slowest, s);
  }
  const int size = specs[0].width;
  std::printf("%-6s %dx%d batch %d, %d steps euler + CFG, %d threads, %s GEMM (%s)\n",
              name.c_str(), size, size, args.batch, args.steps,
              args.threads > 0 ? args.threads : seedgrid::kernels::cpu::thread_count(),
              gemm::instruction_set_name(gemm::instruction_set_in_use()),
              (*backend)->determinism_class().c_str());
  std::printf("  load checkpoint        %9.1f ms\n", load_ms);
  if (!args.model.empty())
    std::printf("  process start->step 1  %9.1f ms\n", ms_between(process_start, marks.front()));
  std::printf("  tokenize + text enc.   %9.1f ms\n", ms_between(start, marks.front()));
  std::printf("  UNet step (mean)       %9.1f ms   (min %.1f, max %.1f)\n",
              steps_total / static_cast<double>(step_ms.size()), fastest, slowest);
  std::printf("  all steps              %9.1f ms\n", steps_total);
  if (args.decode)
    std::printf("  VAE decode             %9.1f ms\n", ms_between(marks.back(), end));
  std::printf("  total render           %9.1f ms\n", ms_between(start, end));
  std::printf("  peak RSS               %9.1f MiB%s\n", peak_rss_mib(),
              per_run ? "" : "   (of the process so far)");
  const auto digest = trajectory.finish();
  std::printf("  latents x_0..x_N       sha256 %s\n", seedgrid::to_lower_hex(digest).c_str());
  return 0;
}

int bench_preset(const Args& args, const std::string& name, const std::filesystem::path& dir) {
  auto preset = seedgrid::find_preset(name);
  if (!preset) {
    std::fprintf(stderr, "bench_cpu_render: %s\n", preset.error().message.c_str());
    return 1;
  }
  seedgrid::PresetWriteOptions w;
  w.preset = name;
  w.out_dir = (dir / name).string();
  auto written = seedgrid::write_preset(w);
  if (!written) {
    std::fprintf(stderr, "bench_cpu_render: %s\n", written.error().message.c_str());
    return 1;
  }
  return bench_checkpoint(args, name, written->checkpoint_path, preset->image_size);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  if (args.steps < 1 || args.batch < 1 || args.threads < 0) {
    std::fprintf(stderr, "bench_cpu_render: --steps and --batch must be positive\n");
    return 2;
  }
  if (!args.isa.empty()) {
    bool known = false;
    for (auto isa : {gemm::InstructionSet::portable, gemm::InstructionSet::avx2,
                     gemm::InstructionSet::avx512})
      if (args.isa == gemm::instruction_set_name(isa) && gemm::instruction_set_available(isa)) {
        gemm::use_instruction_set(isa);
        known = true;
      }
    if (!known) {
      std::fprintf(stderr, "bench_cpu_render: --isa %s is not one this machine runs\n",
                   args.isa.c_str());
      return 2;
    }
  }
  if (!args.model.empty()) return bench_checkpoint(args, args.model, args.model, 512);
  const auto dir =
      std::filesystem::temp_directory_path() / ("seedgrid_bench_" + std::to_string(::getpid()));
  int status = 0;
  for (const auto& name : args.presets) {
    status = bench_preset(args, name, dir);
    if (status != 0) break;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}
