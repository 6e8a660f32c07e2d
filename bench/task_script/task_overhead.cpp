// The overhead of a task script per job: models/tasks/txt2img.lua through run_task against
// Pipeline::generate for the same job (the same bytes), both committing the trajectory as a worker
// does (a leaf per latent, the Merkle root), on a random-weight preset on the CPU backend, runs
// interleaved; and the sandbox's own cost without rendering (load the script, read
// its schema, evaluate cost(), start the run's sandbox).
//
//   bench_task_overhead [--preset tiny] [--steps 20] [--size 64] [--runs 15] [--threads 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/task_script/preset_bench.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace {

using namespace seedgrid;
using bench::Clock;
using bench::fastest;
using bench::median;
using bench::ms_since;

int die(const std::string& message) {
  std::fprintf(stderr, "bench_task_overhead: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse_bench_options(argc, argv, {});
  if (!options) return die(options.error().message);
  const auto [preset, steps, size, runs, threads] = *options;
  auto model = bench::BenchModel::load(*options, "bench_task_overhead");
  if (!model) return die(model.error().message);
  const Pipeline* pipeline = &(*model)->pipeline();
  auto script = task_script::TaskScript::read_file(std::string(SEEDGRID_SOURCE_DIR) +
                                                   "/models/tasks/txt2img.lua");
  if (!script) return die(script.error().message);

  GenerationSpec spec;
  spec.prompt = "a lighthouse at dusk, oil painting";
  spec.negative_prompt = "blurry";
  spec.steps = steps;
  spec.width = spec.height = size;
  const task_script::ParamValues params = {{"prompt", spec.prompt},
                                           {"negative_prompt", spec.negative_prompt},
                                           {"steps", std::int64_t{steps}},
                                           {"width", std::int64_t{size}},
                                           {"height", std::int64_t{size}}};

  std::vector<double> built_in, scripted, sandbox_only;
  for (int r = 0; r < runs; ++r) {
    spec.seed = static_cast<std::uint64_t>(r);
    std::vector<Digest> leaves;
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t, int t, const Tensor& x) {
      leaves.push_back(verify::latent_leaf(static_cast<std::uint32_t>(t), x));
    };
    auto start = Clock::now();
    auto a = pipeline->generate(std::span(&spec, 1), hooks);
    const Digest root = verify::merkle_root(leaves);
    built_in.push_back(ms_since(start));
    start = Clock::now();
    auto b = task_script::run_task(*script, *pipeline, params, spec.seed);
    scripted.push_back(ms_since(start));
    if (!a || !b) return die(!a ? a.error().message : b.error().message);
    if (b->images.front() != a->front().image || b->passes.front().trajectory_root != root)
      return die("txt2img.lua rendered other bytes than the built-in path");

    start = Clock::now();
    auto loaded = task_script::TaskScript::from_source(script->source(), script->file_name());
    auto resolved = task_script::resolve_params(loaded->schema(), params);
    auto cost = loaded->declared_cost(*resolved);
    task_script::PrimitiveContext context;
    auto sandbox = loaded->instantiate(&context);
    sandbox_only.push_back(ms_since(start));
    if (!cost || !sandbox) return die("the script did not load");
  }

  const double base = median(built_in), with_script = median(scripted);
  const double base_min = fastest(built_in), with_script_min = fastest(scripted);
  std::printf("%s preset, %dx%d, %d steps, %d thread(s), %d interleaved runs\n", preset.c_str(),
              size, size, steps, threads, runs);
  std::printf("| path | median | fastest |\n| --- | --- | --- |\n");
  std::printf("| built-in Pipeline::generate + trajectory root | %.2f ms | %.2f ms |\n", base,
              base_min);
  std::printf("| txt2img.lua through run_task | %.2f ms | %.2f ms |\n", with_script,
              with_script_min);
  std::printf("| difference | %+.2f ms (%+.2f %%) | %+.2f ms (%+.2f %%) |\n", with_script - base,
              100.0 * (with_script - base) / base, with_script_min - base_min,
              100.0 * (with_script_min - base_min) / base_min);
  std::printf(
      "| sandbox alone (load, schema, cost(), run's state) | %.3f ms (%.2f %% of a job) |\n",
      median(sandbox_only), 100.0 * median(sandbox_only) / base);
  return 0;
}
