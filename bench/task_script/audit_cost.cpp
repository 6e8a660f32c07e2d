// What auditing a job of each shipped task script costs beside rendering it. A scripted job keeps
// no openings of its passes yet, so its audit is the full one: the script run again and judged
// against the delivered image and root (verify::judge_rerender, what a validator's
// run_script_audit does after resolving the job's parameters). Tiny preset on the CPU backend;
// image inputs (img2img, inpaint, outpaint) are a txt2img render and a centre mask.
//
//   bench_task_audit_cost [--preset tiny] [--steps 20] [--size 64] [--runs 5] [--threads 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/task_script/preset_bench.hpp"
#include "models/pipeline/pipeline.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/verify/audits.hpp"

namespace {

using namespace seedgrid;
using bench::Clock;
using bench::median;
using bench::ms_since;

int die(const std::string& message) {
  std::fprintf(stderr, "bench_task_audit_cost: %s\n", message.c_str());
  return 1;
}

// White in the centre half, black around it: the region inpaint re-renders.
RgbImage centre_mask(int size) {
  RgbImage m{size, size, std::vector<std::uint8_t>(static_cast<std::size_t>(size) * size * 3, 0)};
  for (int y = size / 4; y < 3 * size / 4; ++y)
    for (int x = size / 4; x < 3 * size / 4; ++x)
      for (int c = 0; c < 3; ++c) m.pixels[(static_cast<std::size_t>(y) * size + x) * 3 + c] = 255;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse_bench_options(argc, argv, {.runs = 5});
  if (!options) return die(options.error().message);
  const auto [preset, steps, size, runs, threads] = *options;
  auto model = bench::BenchModel::load(*options, "bench_task_audit_cost");
  if (!model) return die(model.error().message);
  const Pipeline* pipeline = &(*model)->pipeline();
  const std::string tasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";
  auto load = [&](const std::string& name) {
    return task_script::TaskScript::read_file(tasks + name);
  };

  const task_script::ParamValues text = {{"prompt", std::string("a lighthouse at dusk")},
                                         {"steps", std::int64_t{steps}},
                                         {"width", std::int64_t{size}},
                                         {"height", std::int64_t{size}}};
  auto txt2img = load("txt2img.lua");
  if (!txt2img) return die(txt2img.error().message);
  auto init = task_script::run_task(*txt2img, *pipeline, text, 1);
  if (!init) return die(init.error().message);
  const RgbImage image = init->images.front();

  struct Case {
    std::string script;
    task_script::ParamValues params;
  };
  std::vector<Case> cases{{"txt2img.lua", text},
                          {"variation.lua", text},
                          {"hires_fix.lua", text},
                          {"img2img.lua",
                           {{"prompt", std::string("a lighthouse at night")},
                            {"steps", std::int64_t{steps}},
                            {"init_image", image}}},
                          {"inpaint.lua",
                           {{"prompt", std::string("a red boat")},
                            {"steps", std::int64_t{steps}},
                            {"init_image", image},
                            {"mask", centre_mask(size)}}},
                          {"outpaint.lua",
                           {{"prompt", std::string("a harbour")},
                            {"steps", std::int64_t{steps}},
                            {"init_image", image},
                            {"left", std::int64_t{16}},
                            {"right", std::int64_t{16}}}}};
  std::printf("%s preset, %dx%d output, %d steps, %d thread(s), median of %d runs\n",
              preset.c_str(), size, size, steps, threads, runs);
  std::printf("| task | render | audit (the script run again, judged) | audit / render |\n");
  std::printf("| --- | --- | --- | --- |\n");
  for (const auto& c : cases) {
    auto script = load(c.script);
    if (!script) return die(script.error().message);
    std::vector<double> render, audit;
    for (int r = 0; r < runs; ++r) {
      const auto seed = static_cast<std::uint64_t>(100 + r);
      auto start = Clock::now();
      auto delivered = task_script::run_task(*script, *pipeline, c.params, seed);
      render.push_back(ms_since(start));
      if (!delivered) return die(c.script + ": " + delivered.error().message);
      start = Clock::now();
      auto again = task_script::run_task(*script, *pipeline, c.params, seed);
      if (!again) return die(c.script + ": " + again.error().message);
      const auto finding = verify::judge_rerender(
          {again->images.front(), again->trajectory_root, again->leaf_count},
          {delivered->images.front(), blake2b(delivered->images.front().pixels),
           delivered->trajectory_root, delivered->leaf_count},
          true, verify::Thresholds{});
      audit.push_back(ms_since(start));
      if (finding.outcome != verify::FindingOutcome::pass)
        return die(c.script + ": the honest job failed its audit: " + finding.detail);
    }
    std::printf("| %s | %.1f ms | %.1f ms | %.0f %% |\n", c.script.c_str(), median(render),
                median(audit), 100.0 * median(audit) / median(render));
  }
  return 0;
}
