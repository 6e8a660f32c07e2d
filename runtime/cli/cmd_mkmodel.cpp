#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "models/presets/write_preset.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/seed_option.hpp"

namespace seedgrid::cli {
namespace {

struct MkmodelOptions {
  std::string preset;
  std::string seed;  // -1: random (seed_option.hpp)
  std::string out;
  std::string layout = "diffusers";
  std::string dtype;
};

std::string megabytes(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

int run_mkmodel(const MkmodelOptions& opts) {
  auto seed_given = parse_seed(opts.seed);
  if (!seed_given) {
    std::fprintf(stderr, "seedgrid mkmodel: %s\n", seed_given.error().message.c_str());
    return kUsageError;
  }
  const std::uint64_t seed = seed_given->value_or(random_seed());
  PresetWriteOptions w;
  w.preset = opts.preset;
  w.seed = seed;
  w.out_dir = opts.out;
  w.layout =
      opts.layout == "single-file" ? CheckpointLayout::single_file : CheckpointLayout::diffusers;
  if (opts.dtype == "f16") w.dtype = DType::f16;
  if (opts.dtype == "f32") w.dtype = DType::f32;
  // Progress for the big preset, in whole percents, on stderr.
  int shown = -1;
  const bool tty = ::isatty(::fileno(stderr));
  if (opts.preset == "sd15") {
    w.progress = [&](std::int64_t done, std::int64_t total) {
      const int percent = static_cast<int>(100 * done / std::max<std::int64_t>(total, 1));
      if (percent == shown || (!tty && percent / 10 == shown / 10)) return;
      shown = percent;
      std::fprintf(stderr,
                   tty ? "\rwriting weights %3d%% (%s of %s)" : "writing weights %d%% (%s of %s)\n",
                   percent, megabytes(done).c_str(), megabytes(total).c_str());
      if (tty && percent == 100) std::fputc('\n', stderr);
    };
  }
  auto report = write_preset(w);
  if (!report) {
    std::fprintf(stderr, "seedgrid mkmodel: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("wrote %s preset (seed %llu, %s, %s) to %s\n", opts.preset.c_str(),
              static_cast<unsigned long long>(seed), std::string(dtype_name(report->dtype)).c_str(),
              opts.layout.c_str(), report->checkpoint_path.c_str());
  std::int64_t parameters = 0, bytes = 0;
  for (const auto& c : report->components) {
    std::printf("  %-13s %12lld parameters  %s\n", c.component.c_str(),
                static_cast<long long>(c.parameters), megabytes(c.bytes).c_str());
    parameters += c.parameters;
    bytes += c.bytes;
  }
  std::printf("  %-13s %12lld parameters  %s\n", "total", static_cast<long long>(parameters),
              megabytes(bytes).c_str());
  std::printf("tokenizer %s\nmodel id %s\n", report->tokenizer_dir.c_str(),
              report->model_id.c_str());
  return 0;
}

const CommandRegistration mkmodel{
    "mkmodel", "Write a random-weight model preset (tiny, small, sd15) and print its model id",
    [](CLI::App& app) -> CommandRun {
      set_example(app, "seedgrid mkmodel --preset tiny --seed 1 --out models/tiny");
      auto opts = std::make_shared<MkmodelOptions>();
      app.add_option("--preset", opts->preset, "tiny, small or sd15")
          ->required()
          ->check(CLI::IsMember({"tiny", "small", "sd15"}));
      app.add_option("--seed", opts->seed,
                     "Seed of the random weights, or -1 for a random one (printed)")
          ->required();
      app.add_option("--out", opts->out, "Directory to create (refused if it is not empty)")
          ->required();
      app.add_option("--layout", opts->layout,
                     "diffusers (a folder) or single-file (original names)")
          ->check(CLI::IsMember({"diffusers", "single-file"}));
      app.add_option("--dtype", opts->dtype, "f32 or f16 (default: f32, f16 for sd15)")
          ->check(CLI::IsMember({"f32", "f16"}));
      return [opts] { return run_mkmodel(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
