#include "bench/task_script/preset_bench.hpp"

#include <algorithm>
#include <cstdlib>

#include "models/presets/write_preset.hpp"

namespace seedgrid::bench {

Result<BenchOptions> parse_bench_options(int argc, char** argv, BenchOptions o) {
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return fail(flag, " needs a value");
    const std::string value = argv[i + 1];
    int* number = flag == "--steps"     ? &o.steps
                  : flag == "--size"    ? &o.size
                  : flag == "--runs"    ? &o.runs
                  : flag == "--threads" ? &o.threads
                                        : nullptr;
    if (flag == "--preset")
      o.preset = value;
    else if (number != nullptr)
      *number = std::atoi(value.c_str());
    else
      return fail("unknown option ", flag,
                  " (expected --preset, --steps, --size, --runs, --threads)");
  }
  if (o.runs < 1 || o.steps < 1 || o.threads < 1 || o.size < 16 || o.size % 16 != 0)
    return fail(
        "--runs, --steps and --threads must be at least 1 and --size a multiple of 16 "
        "(got runs ",
        o.runs, ", steps ", o.steps, ", threads ", o.threads, ", size ", o.size, ")");
  return o;
}

Result<std::unique_ptr<BenchModel>> BenchModel::load(const BenchOptions& options,
                                                     const std::string& bench_name) {
  std::unique_ptr<BenchModel> m(new BenchModel(options.threads));
  m->dir_ = std::filesystem::temp_directory_path() / ("seedgrid_" + bench_name);
  PresetWriteOptions write;
  write.preset = options.preset;
  write.seed = 1;
  write.out_dir = m->dir_.string();
  auto written = write_preset(write);
  if (!written) return pass_on(written);
  auto pipeline = Pipeline::load(written->checkpoint_path, m->backend_);
  if (!pipeline) return pass_on(pipeline);
  m->pipeline_.emplace(std::move(*pipeline));
  return m;
}

BenchModel::~BenchModel() {
  pipeline_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double fastest(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace seedgrid::bench
