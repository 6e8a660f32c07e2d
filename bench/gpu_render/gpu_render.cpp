// Rendering speed of one backend on one model, the rows of issue 5's benchmark: UNet step latency
// at batch 2 (one image with CFG), UNet throughput at batch 16, VAE decode at batch 1, end-to-end
// images/s for N Euler steps with CFG (batch 1 and --e2e-batch), and the backend's square-GEMM
// rate as the peak the UNet's achieved TFLOP/s is set against (UNet FLOPs counted from the config,
// unet_flops.hpp). Each row: warm-up runs, then the median of --iters timed runs, each bracketed by
// backend.synchronize() so queued device work is inside the time.
//
//   bench_gpu_render [--backend cpu|cuda] (--model DIR | --preset tiny|small|sd15) [--size PX]
//       [--warmup N] [--iters N] [--steps N] [--e2e-batch N] [--context N] [--threads N]
//       [--gemm-sizes 1024,2048,...] [--rows unet_step,unet_throughput,vae,e2e,gemm]
//       [--row-budget SECONDS] [--json PATH]
//   bench_gpu_render --write-preset NAME DIR      writes a random-weight preset and exits
//
// Exit status: 0 done, 1 failed, 2 usage error, 77 asked for CUDA where there is no device.
//
// Core-only: needs models/ (and kernels/cuda when built with CUDA), so it builds on the GPU machine.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bench/gpu_render/bench_report.hpp"
#include "bench/gpu_render/unet_flops.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/presets/preset.hpp"
#include "models/presets/write_preset.hpp"
#include "models/unet/unet.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/weights/checkpoint.hpp"
#ifdef SEEDGRID_HAVE_CUDA
#include "models/backend/cuda_backend.hpp"
#endif

namespace {

using seedgrid::Backend;
using seedgrid::Tensor;
using seedgrid::bench::Row;
using seedgrid::bench::Run;
using seedgrid::bench::Timing;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string backend = "cpu";
  std::string model, preset;
  std::string write_preset_name, write_preset_dir;
  int size = 0;  // 0: the preset's image size, else unet sample_size x VAE downscale
  int warmup = 2, iters = 10, steps = 20, e2e_batch = 8, context = 77, threads = 0;
  double row_budget_s = 0;  // > 0: a row stops taking samples once it has run this long
  std::vector<long> gemm_sizes;  // empty: by backend
  std::set<std::string> rows{"gemm", "unet_step", "unet_throughput", "vae", "e2e"};
  std::string json;
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "bench_gpu_render: %s\n", why.c_str());
  std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= s.size();) {
    const std::size_t comma = s.find(',', at);
    const std::size_t end = comma == std::string::npos ? s.size() : comma;
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

int positive(const std::string& flag, const std::string& v, int min) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > 1 << 20)
    usage_error(flag + " " + v + ": expected an integer >= " + std::to_string(min));
  return static_cast<int>(n);
}

Args parse(int argc, char** argv) {
  Args a;
  const std::set<std::string> known_rows{"gemm", "unet_step", "unet_throughput", "vae", "e2e"};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--backend") {
      a.backend = value();
      if (a.backend != "cpu" && a.backend != "cuda")
        usage_error("--backend " + a.backend + ": expected cpu or cuda");
    } else if (flag == "--model") {
      a.model = value();
    } else if (flag == "--preset") {
      a.preset = value();
    } else if (flag == "--write-preset") {
      a.write_preset_name = value();
      a.write_preset_dir = value();
    } else if (flag == "--size") {
      a.size = positive(flag, value(), 8);
    } else if (flag == "--warmup") {
      a.warmup = positive(flag, value(), 0);
    } else if (flag == "--iters") {
      a.iters = positive(flag, value(), 1);
    } else if (flag == "--steps") {
      a.steps = positive(flag, value(), 1);
    } else if (flag == "--e2e-batch") {
      a.e2e_batch = positive(flag, value(), 1);
    } else if (flag == "--context") {
      a.context = positive(flag, value(), 1);
    } else if (flag == "--threads") {
      a.threads = positive(flag, value(), 0);
    } else if (flag == "--gemm-sizes") {
      for (const auto& s : split(value())) a.gemm_sizes.push_back(positive(flag, s, 16));
    } else if (flag == "--rows") {
      a.rows.clear();
      for (const auto& r : split(value())) {
        if (!known_rows.contains(r))
          usage_error("--rows: unknown row '" + r +
                      "' (gemm, unet_step, unet_throughput, vae, e2e)");
        a.rows.insert(r);
      }
    } else if (flag == "--row-budget") {
      a.row_budget_s = positive(flag, value(), 1);
    } else if (flag == "--json") {
      a.json = value();
    } else {
      usage_error("unknown option " + flag);
    }
  }
  if (a.write_preset_name.empty() && a.model.empty() == a.preset.empty())
    usage_error("give exactly one of --model DIR and --preset NAME (or --write-preset NAME DIR)");
  return a;
}

// Uniform values in [-1, 1) from a fixed xorshift stream: benchmarks never run on zeros, which
// hide wrong indexing and can run faster than real data.
Tensor random_host(seedgrid::Shape shape, std::uint64_t seed) {
  Tensor t = Tensor::host(std::move(shape));
  float* p = t.f32();
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    p[i] = static_cast<float>(static_cast<double>(s >> 11) * 0x1.0p-52 - 1.0);
  }
  return t;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "cpu";
}

struct BenchBackend {
  std::unique_ptr<Backend> backend;
  std::string device, precision;
};

seedgrid::Result<BenchBackend> make_backend(const Args& a) {
  auto precision = seedgrid::resolve_precision(a.backend, "");
  if (!precision) return pass_on(precision);
  auto backend = seedgrid::open_backend({a.backend, *precision, a.threads});
  if (!backend) return pass_on(backend);
  BenchBackend c;
  c.backend = std::move(*backend);
  c.precision = *precision;
  c.device = cpu_model_name();
#ifdef SEEDGRID_HAVE_CUDA
  if (const auto* cuda = dynamic_cast<const seedgrid::CudaBackend*>(c.backend.get()))
    c.device = cuda->device_name() + " (sm " + cuda->compute_capability() + ")";
#endif
  return c;
}

// Warm-up runs, then `iters` timed runs of `work`, each between two synchronize() calls. With a
// row budget, a slow row keeps one warm-up and at least one sample, so a GPU session's fixed
// minutes still cover every row (the JSON says how many samples each median has).
Timing measure(Backend& backend, const Args& a, const std::function<void()>& work) {
  const auto row_start = Clock::now();
  auto over = [&](double share) {
    return a.row_budget_s > 0 &&
           std::chrono::duration<double>(Clock::now() - row_start).count() > share * a.row_budget_s;
  };
  for (int i = 0; i < a.warmup && !(i > 0 && over(0.25)); ++i) {
    work();
    backend.synchronize();
  }
  std::vector<double> samples;
  for (int i = 0; i < a.iters && !(i > 0 && over(1.0)); ++i) {
    backend.synchronize();
    const auto start = Clock::now();
    work();
    backend.synchronize();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return seedgrid::bench::summarize(std::move(samples));
}

void print_row(const Row& r) {
  std::printf("  %-16s batch %-3d median %10.3f ms\n", r.name.c_str(), r.batch, r.timing.median_ms);
  std::fflush(stdout);
}

void bench_gemm(Backend& backend, const Args& a, Run& run) {
  std::vector<long> sizes = a.gemm_sizes;
  if (sizes.empty())
    sizes = a.backend == "cuda" ? std::vector<long>{1024, 2048, 4096, 8192}
                                : std::vector<long>{256, 512};
  for (long n : sizes) {
    // y = x wᵀ through the backend's linear(): on cuda that is kernels/cuda's one GEMM tile.
    const Tensor x = backend.upload(random_host({n, n}, 1));
    const Tensor w = backend.upload(random_host({n, n}, 2));
    const Timing t = measure(backend, a, [&] { (void)backend.linear(x, w, nullptr); });
    seedgrid::bench::GemmPoint g{n, t, 2.0 * n * n * n / (t.median_ms * 1e-3) / 1e12};
    std::printf("  gemm %5ld^3        median %10.3f ms  %8.2f TFLOP/s\n", n, t.median_ms, g.tflops);
    std::fflush(stdout);
    run.gemm.push_back(g);
  }
}

void add_unet_row(Run& run, std::string name, int batch, const Timing& t) {
  Row r{std::move(name), batch, t, {}, {}, {}};
  const double flops = run.unet_gflop_per_image * 1e9 * batch;
  r.tflops = flops / (t.median_ms * 1e-3) / 1e12;
  if (run.gemm_peak_tflops() > 0) r.pct_of_gemm_peak = 100.0 * *r.tflops / run.gemm_peak_tflops();
  print_row(r);
  run.rows.push_back(std::move(r));
}

// The isolated networks: UNet at batch 2 and 16, VAE decode at batch 1.
// Takes the UNet's and VAE's weights out of `checkpoint`.
void bench_networks(Backend& backend, const Args& a, seedgrid::Checkpoint* checkpoint, int latent,
                    Run& run) {
  const int cross = checkpoint->unet_config.cross_attention_dim;
  const int in_channels = checkpoint->unet_config.in_channels;
  if (a.rows.contains("unet_step") || a.rows.contains("unet_throughput")) {
    auto unet = seedgrid::UNet::load(checkpoint->unet, checkpoint->unet_config, backend);
    if (!unet) {
      run.errors.push_back("unet: " + unet.error().message);
    } else {
      std::vector<std::pair<std::string, int>> shapes;
      if (a.rows.contains("unet_step")) shapes.emplace_back("unet_step_b2", 2);
      if (a.rows.contains("unet_throughput")) shapes.emplace_back("unet_b16", 16);
      for (const auto& [name, b] : shapes) {
        const Tensor sample = backend.upload(random_host({b, in_channels, latent, latent}, 3));
        const Tensor context = backend.upload(random_host({b, a.context, cross}, 4));
        const std::vector<float> timesteps(static_cast<std::size_t>(b), 500.0f);
        add_unet_row(run, name, b, measure(backend, a, [&] {
                       (void)unet->forward(sample, timesteps, context);
                     }));
      }
    }
  }
  if (a.rows.contains("vae")) {
    auto vae = seedgrid::AutoencoderKL::load(checkpoint->vae, checkpoint->vae_config, backend);
    if (!vae) {
      run.errors.push_back("vae: " + vae.error().message);
    } else {
      const Tensor latents = backend.upload(
          random_host({1, checkpoint->vae_config.latent_channels, latent, latent}, 5));
      Row r{"vae_decode_b1", 1, measure(backend, a, [&] { (void)vae->decode(latents); }), {}, {}, {}};
      print_row(r);
      run.rows.push_back(std::move(r));
    }
  }
}

// Whole renders through the Pipeline: tokenize, text encoder, `steps` Euler steps with CFG, VAE
// decode, pixels on the host.
void bench_end_to_end(Backend& backend, const Args& a, const std::string& model_dir, Run& run) {
  auto pipeline = seedgrid::Pipeline::load(model_dir, backend);
  if (!pipeline) {
    run.errors.push_back("pipeline: " + pipeline.error().message);
    return;
  }
  std::vector<int> batches{1};
  if (a.e2e_batch > 1) batches.push_back(a.e2e_batch);
  for (int b : batches) {
    std::vector<seedgrid::GenerationSpec> specs(static_cast<std::size_t>(b));
    for (std::size_t i = 0; i < specs.size(); ++i) {
      specs[i].prompt = "a lighthouse on a cliff at sunset, dramatic sky, highly detailed";
      specs[i].negative_prompt = "blurry, low quality";
      specs[i].seed = 42 + i;
      specs[i].steps = a.steps;
      specs[i].guidance = 7.5f;
      specs[i].sampler = seedgrid::SamplerKind::euler;
      specs[i].width = specs[i].height = run.size;
    }
    if (auto ok = pipeline->validate(specs); !ok) {
      run.errors.push_back("e2e: " + ok.error().message);
      return;
    }
    std::string failure;
    const Timing t = measure(backend, a, [&] {
      auto out = pipeline->generate(specs);
      if (!out && failure.empty()) failure = out.error().message;
    });
    if (!failure.empty()) {
      run.errors.push_back("e2e batch " + std::to_string(b) + ": " + failure);
      continue;
    }
    Row r{"e2e_b" + std::to_string(b), b, t, {}, {}, b / (t.median_ms * 1e-3)};
    print_row(r);
    run.rows.push_back(std::move(r));
  }
}

int write_preset_and_exit(const Args& a) {
  seedgrid::PresetWriteOptions w;
  w.preset = a.write_preset_name;
  w.out_dir = a.write_preset_dir;
  const auto start = Clock::now();
  auto written = seedgrid::write_preset(w);
  if (!written) {
    std::fprintf(stderr, "bench_gpu_render: --write-preset %s %s: %s\n", w.preset.c_str(),
                 w.out_dir.c_str(), written.error().message.c_str());
    return 1;
  }
  std::printf("wrote preset %s to %s (model id %s, %s) in %.1f s\n", w.preset.c_str(),
              written->checkpoint_path.c_str(), written->model_id.c_str(),
              std::string(seedgrid::dtype_name(written->dtype)).c_str(),
              std::chrono::duration<double>(Clock::now() - start).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (!a.write_preset_name.empty()) return write_preset_and_exit(a);

  auto choice = make_backend(a);
  if (!choice) {
    std::fprintf(stderr, "bench_gpu_render: %s\n", choice.error().message.c_str());
    // 77: the automake/ctest convention for "skipped", so a test on a machine without a GPU is
    // reported as not run rather than as passed.
    const bool no_device =
        choice.error().message.find("no CUDA device: ") != std::string::npos;
    return no_device ? 77 : 1;
  }
  Backend& backend = *choice->backend;

  // A preset is written to a temporary folder, removed at the end.
  std::filesystem::path temp;
  std::string model_dir = a.model;
  int preset_size = 0;
  if (!a.preset.empty()) {
    auto preset = seedgrid::find_preset(a.preset);
    if (!preset) {
      std::fprintf(stderr, "bench_gpu_render: %s\n", preset.error().message.c_str());
      return 1;
    }
    preset_size = preset->image_size;
    temp = std::filesystem::temp_directory_path() /
           ("seedgrid_gpu_render_" + std::to_string(::getpid()));
    seedgrid::PresetWriteOptions w;
    w.preset = a.preset;
    w.out_dir = (temp / a.preset).string();
    auto written = seedgrid::write_preset(w);
    if (!written) {
      std::fprintf(stderr, "bench_gpu_render: %s\n", written.error().message.c_str());
      return 1;
    }
    model_dir = written->checkpoint_path;
  }
  auto cleanup = [&] {
    std::error_code ec;
    if (!temp.empty()) std::filesystem::remove_all(temp, ec);
  };

  Run run;
  run.backend = a.backend;
  run.device = choice->device;
  run.precision = choice->precision;
  run.determinism_class = backend.determinism_class();
  run.model = a.preset.empty() ? model_dir : "preset " + a.preset;
  run.context_tokens = a.context;
  run.steps = a.steps;
  run.warmup = a.warmup;
  run.iters = a.iters;

  // Loaded once for the configs and the isolated networks; the pipeline loads its own copy.
  auto checkpoint = seedgrid::load_checkpoint(model_dir);
  if (!checkpoint) {
    std::fprintf(stderr, "bench_gpu_render: %s\n", checkpoint.error().message.c_str());
    cleanup();
    return 1;
  }
  const int down = checkpoint->vae_config.downscale();
  {
    run.size = a.size > 0 ? a.size
                          : (preset_size > 0 ? preset_size
                                             : checkpoint->unet_config.sample_size * down);
    if (run.size % down != 0) {
      std::fprintf(stderr, "bench_gpu_render: --size %d is not a multiple of the VAE's %d\n",
                   run.size, down);
      cleanup();
      return 2;
    }
    auto flops = seedgrid::bench::unet_flops_per_image(checkpoint->unet_config, run.size / down,
                                                       run.size / down, a.context);
    if (!flops) {
      std::fprintf(stderr, "bench_gpu_render: %s\n", flops.error().message.c_str());
      cleanup();
      return 1;
    }
    run.unet_gflop_per_image = flops->total() / 1e9;
  }
  std::printf("bench_gpu_render: %s on %s, %s, %dx%d\n", a.backend.c_str(), run.device.c_str(),
              run.model.c_str(), run.size, run.size);
  std::fflush(stdout);

  if (a.rows.contains("gemm")) bench_gemm(backend, a, run);
  if (a.rows.contains("unet_step") || a.rows.contains("unet_throughput") || a.rows.contains("vae"))
    bench_networks(backend, a, &*checkpoint, run.size / down, run);
  *checkpoint = seedgrid::Checkpoint{};  // its host weights (mmapped or read) are not needed for the pipeline's copy
  if (a.rows.contains("e2e")) bench_end_to_end(backend, a, model_dir, run);

  std::printf("\n%s", seedgrid::bench::format_table(run).c_str());
  int status = run.errors.empty() ? 0 : 1;
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    out << seedgrid::bench::to_json(run);
    if (!out) {
      std::fprintf(stderr, "bench_gpu_render: cannot write %s\n", a.json.c_str());
      status = 1;
    } else {
      std::printf("wrote %s\n", a.json.c_str());
    }
  }
  cleanup();
  return status;
}
