// `seedgrid render`: renders images from a model on this machine with the CPU backend (or the CUDA
// backend with --device cuda, in builds that have it), writes one PNG per image (with A1111-style
// "parameters") and prints each image's output hash (BLAKE2b-256 of its RGB8 pixels, what a worker
// signs).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/image/generation_parameters.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/input_file.hpp"
#include "runtime/cli/output_file.hpp"
#include "runtime/cli/render_timings.hpp"
#include "runtime/cli/seed_option.hpp"

namespace seedgrid::cli {
namespace {

// Jobs rendered together: enough to share the weights' memory traffic, few enough to keep the
// activations of a CPU render small. Batching never changes an image's bytes.
constexpr int kJobsPerBatch = 4;
constexpr int kMaxImages = 512;
// The most CPU threads a node config's rendering.threads accepts (config/parse_node_config.cpp):
// beyond it the thread pool cannot be created (100000 aborted with std::system_error).
constexpr int kMaxThreads = 1024;

struct RenderOptions {
  std::string model;
  std::string tokenizer;
  std::string prompt;
  std::string negative_prompt;
  std::string seed = "0";  // -1: random (seed_option.hpp)
  int steps = 20;
  float cfg = 7.5f;
  std::string sampler = "euler";
  bool karras = false;
  int width = 512;
  int height = 512;
  bool width_given = false;  // on the command line, rather than the default
  bool height_given = false;
  int batch = 1;
  std::string out;
  std::string init_image;
  float strength = 0.75f;
  int threads = 0;
  std::string device = "cpu";
  std::string precision;
  bool json = false;  // one JSON object on stdout instead of a line per image
};

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

int error_exit(const std::string& message) {
  std::fprintf(stderr, "seedgrid render: %s\n", message.c_str());
  return 1;
}

// A value on the command line that cannot be used: exit status 2, like CLI11's own refusals.
int usage_exit(const std::string& message) {
  std::fprintf(stderr, "seedgrid render: %s\n", message.c_str());
  return kUsageError;
}

// out.png -> out-3.png (with --batch N > 1).
std::string output_path(const std::string& out, int index, int count) {
  if (count == 1) return out;
  const std::filesystem::path p(out);
  return (p.parent_path() /
          (p.stem().string() + "-" + std::to_string(index) + p.extension().string()))
      .string();
}

std::string model_name(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  return p.stem().string();
}

void warn_truncation(const Pipeline& pipeline, const std::string& text, const char* which) {
  auto t = pipeline.tokenize(text);
  if (t && t->dropped_tokens > 0)
    std::fprintf(
        stderr,
        "seedgrid render: warning: the %s has %d tokens; the text encoder reads %d, so the "
        "last %d were dropped\n",
        which, t->token_count, t->token_count - t->dropped_tokens, t->dropped_tokens);
}

int run_render(RenderOptions o) {
  if (o.batch < 1 || o.batch > kMaxImages)
    return usage_exit(message_of("--batch must be in [1, ", kMaxImages, "], found ", o.batch));
  if (o.threads < 0)
    return usage_exit(message_of("--threads must not be negative, found ", o.threads));
  if (o.threads > kMaxThreads) {
    std::fprintf(
        stderr,
        "seedgrid render: --threads %d is more than %d (the limit of a node config); using %d\n",
        o.threads, kMaxThreads, kMaxThreads);
    o.threads = kMaxThreads;
  }
  auto seed_given = parse_seed(o.seed);
  if (!seed_given) return usage_exit(seed_given.error().message);
  const std::uint64_t seed = seed_given->value_or(random_seed());
  if (!*seed_given)
    std::fprintf(stderr, "seedgrid render: random seed %llu\n",
                 static_cast<unsigned long long>(seed));
  auto sampler = parse_sampler_kind(o.sampler);
  if (!sampler) return usage_exit(sampler.error().message);
  if (auto ok = check_input("--model", o.model, true); !ok) return usage_exit(ok.error().message);
  for (auto [option, path] :
       {std::pair{"--init-image", &o.init_image}, std::pair{"--tokenizer", &o.tokenizer}})
    if (!path->empty())
      if (auto ok = check_input(option, *path, path == &o.tokenizer); !ok)
        return usage_exit(ok.error().message);
  // The output folder is made (as `generate --out` does) before rendering, so a path that cannot
  // be written fails now, not after the render.
  if (auto ready = prepare_output_file(o.out); !ready) return error_exit(ready.error().message);

  std::optional<RgbImage> init;
  if (!o.init_image.empty()) {
    auto png = read_png(o.init_image);
    if (!png) return error_exit(png.error().message);
    init = std::move(png->image);
    // The init image's size is the natural default; an explicit size must match it.
    if (!o.width_given) o.width = init->width;
    if (!o.height_given) o.height = init->height;
  }

  CheckpointOptions checkpoint_options;
  checkpoint_options.tokenizer_dir = o.tokenizer;
  // The size multiple is the model's, and its configs say it: a size the model cannot render is
  // refused before its weights load (minutes for a large model), in the loaded pipeline's words.
  auto networks = read_network_configs(o.model, checkpoint_options);
  if (!networks) return error_exit(networks.error().message);
  const RenderLimits limits = render_limits_of(networks->unet, networks->vae);
  for (auto [name, side] : {std::pair{"width", o.width}, std::pair{"height", o.height}})
    if (auto ok = check_image_side(limits, name, side); !ok) return usage_exit(ok.error().message);

  auto created = open_backend({o.device, o.precision, o.threads});
  if (!created) return error_exit(created.error().message);
  Backend& backend = **created;
  std::fprintf(stderr, "seedgrid render: rendering on %s (%s)\n", o.device.c_str(),
               backend.determinism_class().c_str());
  RenderTimings timings;
  timings.load_started();
  auto pipeline = Pipeline::load(o.model, backend, checkpoint_options);
  if (!pipeline) return error_exit(pipeline.error().message);
  timings.load_finished();
  std::fprintf(stderr, "seedgrid render: model %s loaded in %.2f s\n",
               pipeline->model_id().substr(0, 16).c_str(), timings.load_s());

  std::vector<GenerationSpec> specs(static_cast<std::size_t>(o.batch));
  for (int i = 0; i < o.batch; ++i) {
    GenerationSpec& s = specs[static_cast<std::size_t>(i)];
    s.prompt = o.prompt;
    s.negative_prompt = o.negative_prompt;
    s.seed = seed + static_cast<std::uint64_t>(i);
    s.steps = o.steps;
    s.guidance = o.cfg;
    s.sampler = *sampler;
    s.karras = o.karras;
    s.width = o.width;
    s.height = o.height;
    s.init_image = init;
    s.strength = o.strength;
  }
  // Every image differs only in its seed: checking the first checks them all.
  if (auto ok = pipeline->validate(std::span(specs.data(), 1)); !ok)
    return error_exit(ok.error().message);
  warn_truncation(*pipeline, o.prompt, "prompt");
  if (specs.front().uses_guidance())
    warn_truncation(*pipeline, o.negative_prompt, "negative prompt");

  std::signal(SIGINT, on_interrupt);
  const bool tty = ::isatty(::fileno(stderr)) != 0;
  const std::string name = model_name(o.model);
  boost::json::array written;
  for (int first = 0; first < o.batch; first += kJobsPerBatch) {
    const int count = std::min(kJobsPerBatch, o.batch - first);
    const std::string images = count == 1 ? message_of("image ", first + 1)
                                          : message_of("images ", first + 1, "-", first + count);
    GenerationHooks hooks;
    hooks.cancelled = [] { return g_interrupted.load(); };
    // The jobs of a batch step together: job 0 marks each step.
    hooks.on_latent = [&](std::size_t job, int t, const Tensor&) {
      if (job == 0 && t == 0) timings.sampling_started();
    };
    hooks.on_progress = [&](std::size_t job, int step, int steps) {
      if (job != 0) return;
      timings.step_finished();
      std::fprintf(stderr, tty ? "\r%s of %d: step %d/%d" : "%s of %d: step %d/%d\n",
                   images.c_str(), o.batch, step, steps);
      if (tty && step == steps) std::fputc('\n', stderr);
      std::fflush(stderr);
    };
    timings.batch_started(first, count);
    auto rendered =
        pipeline->generate(std::span(specs.data() + first, static_cast<std::size_t>(count)), hooks);
    if (!rendered) {
      if (tty) std::fputc('\n', stderr);
      return error_exit(rendered.error().message);
    }
    timings.batch_finished();
    std::fprintf(stderr, "%s of %d: %s\n", images.c_str(), o.batch,
                 describe(timings.batches().back()).c_str());
    for (int j = 0; j < count; ++j) {
      const GenerationSpec& spec = specs[static_cast<std::size_t>(first + j)];
      const RgbImage& image = (*rendered)[static_cast<std::size_t>(j)].image;
      const std::string path = output_path(o.out, first + j, o.batch);
      if (auto ok = write_png(path, image,
                              format_generation_parameters(spec, pipeline->model_id(), name));
          !ok)
        return error_exit(ok.error().message);
      const std::string hash = to_hex(blake2b(image.pixels));
      if (o.json) {
        written.push_back({{"path", path}, {"seed", spec.seed}, {"blake2b", hash}});
        continue;
      }
      std::printf("%s  seed %llu  blake2b %s\n", path.c_str(),
                  static_cast<unsigned long long>(spec.seed), hash.c_str());
      std::fflush(stdout);
    }
  }
  if (o.json) {
    boost::json::array batches;
    for (const auto& b : timings.batches())
      batches.push_back({{"first_image", b.first},
                         {"images", b.count},
                         {"before_steps_s", b.before_steps_s},
                         {"steps_s", boost::json::array(b.steps_s.begin(), b.steps_s.end())},
                         {"decode_s", b.decode_s}});
    const boost::json::object report{{"model_id", pipeline->model_id()},
                                     {"device", o.device},
                                     {"determinism_class", backend.determinism_class()},
                                     {"load_s", timings.load_s()},
                                     {"batches", std::move(batches)},
                                     {"images", std::move(written)},
                                     {"peak_rss_bytes", peak_rss_bytes()}};
    std::printf("%s\n", boost::json::serialize(report).c_str());
  }
  return 0;
}

const CommandRegistration render{
    "render", "Render images from a model on this machine (CPU or GPU) and write them as PNG files",
    [](CLI::App& app) -> CommandRun {
      set_example(app,
                  "seedgrid render --model models/tiny --prompt \"a red fox\" --steps 20 --out "
                  "out/fox.png");
      auto o = std::make_shared<RenderOptions>();
      app.add_option("--model", o->model, "Diffusers model folder or single .safetensors file")
          ->required();
      app.add_option("--prompt", o->prompt, "What to draw")->required();
      app.add_option("--negative-prompt", o->negative_prompt, "What to steer away from");
      app.add_option("--seed", o->seed,
                     "Noise seed, or -1 for a random one; image i of --batch uses seed + i")
          ->capture_default_str();
      app.add_option("--steps", o->steps, "Sampler steps (1-500)")->capture_default_str();
      // Checked on the text: a value past a float's range would read as an infinity, refused
      // only after the model loaded and without the number given.
      app.add_option("--cfg", o->cfg, "Classifier-free guidance scale (<= 1 turns guidance off)")
          ->capture_default_str()
          ->check(CLI::Range(-1e6, 1e6));
      app.add_option("--sampler", o->sampler, "euler, euler_a, ddim or dpmpp_2m")
          ->capture_default_str();
      app.add_flag("--karras", o->karras, "Karras noise schedule (euler, euler_a, dpmpp_2m)");
      auto* width =
          app.add_option("--width", o->width, "Image width in pixels")->capture_default_str();
      auto* height =
          app.add_option("--height", o->height, "Image height in pixels")->capture_default_str();
      app.add_option("--batch", o->batch, "Number of images (out-0.png ... out-{N-1}.png)")
          ->capture_default_str();
      app.add_option("--out", o->out, "Output PNG path (its folder is created)")->required();
      app.add_flag("--json", o->json,
                   "Print one JSON object on stdout (each image's path, seed and pixel hash; load, "
                   "per-step and decode times; peak memory) instead of a line per image");
      app.add_option("--init-image", o->init_image,
                     "PNG to start from (img2img); its size is the default --width/--height");
      auto* strength = app.add_option("--strength", o->strength,
                                      "img2img: share of the schedule run over the image, (0, 1]")
                           ->capture_default_str();
      app.add_option("--tokenizer", o->tokenizer,
                     "Folder with vocab.json and merges.txt (single-file models)");
      app.add_option("--threads", o->threads, "CPU threads, at most 1024 (default 0: all cores)");
      app.add_option("--device", o->device, "cpu, or cuda (the first GPU; builds with CUDA)")
          ->capture_default_str();
      app.add_option("--precision", o->precision,
                     "Storage precision: f32 or f16 on cpu (default f32), f16 on cuda");
      return [o, width, height, strength] {
        o->width_given = width->count() > 0;
        o->height_given = height->count() > 0;
        if (strength->count() > 0 && o->init_image.empty())
          return usage_exit(
              "--strength applies to img2img only: give --init-image too, or leave it out");
        return run_render(*o);
      };
    }};

}  // namespace
}  // namespace seedgrid::cli
