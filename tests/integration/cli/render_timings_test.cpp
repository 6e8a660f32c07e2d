// `seedgrid render` says where its time went: the load, and per batch the work before step 1,
// each step and the decode; `--json` gives the same as one object on stdout, with each image's
// path, seed and pixel hash (the same hash the line form prints) and the peak memory.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

std::string render_command(const ScratchDir& dir, const std::string& extra) {
  return "render --model " + dir.path("tiny") + " --prompt cat --steps 3 --width 64 --height 64 " +
         "--seed 7 --batch 2 " + extra;
}

TEST(RenderTimings, TheLoadEachBatchsStepsAndTheDecodeArePrinted) {
  ScratchDir dir;
  ASSERT_EQ(run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120).status,
            0);
  const auto run = run_seedgrid(render_command(dir, "--out " + dir.path("cat.png")), 120);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, " loaded in ")) << run.output;
  EXPECT_TRUE(contains(run.output, "images 1-2 of 2: before step 1 ")) << run.output;
  EXPECT_TRUE(contains(run.output, ", 3 steps ")) << run.output;
  EXPECT_TRUE(contains(run.output, " s/step), decode ")) << run.output;
}

TEST(RenderTimings, JsonHasEveryImageAndEveryStep) {
  ScratchDir dir;
  ASSERT_EQ(run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120).status,
            0);
  const auto lines = run_seedgrid(render_command(dir, "--out " + dir.path("a.png")), 120);
  ASSERT_EQ(lines.status, 0) << lines.output;
  const auto run = run_seedgrid(render_command(dir, "--json --out " + dir.path("b.png")), 120);
  ASSERT_EQ(run.status, 0) << run.output;
  // stderr and stdout come together here: the report is the one line that is a JSON object.
  std::istringstream in(run.output);
  boost::json::value report;
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("{")) report = boost::json::parse(line);
  ASSERT_TRUE(report.is_object()) << run.output;
  const auto& o = report.as_object();
  EXPECT_EQ(o.at("model_id").as_string().size(), 64u);
  EXPECT_GE(o.at("load_s").to_number<double>(), 0.0);
  EXPECT_GT(o.at("peak_rss_bytes").to_number<double>(), 1e6);
  const auto& batches = o.at("batches").as_array();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].at("images").to_number<int>(), 2);
  EXPECT_EQ(batches[0].at("steps_s").as_array().size(), 3u);
  const auto& images = o.at("images").as_array();
  ASSERT_EQ(images.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto& image = images[static_cast<std::size_t>(i)].as_object();
    const std::string path = dir.path("b-" + std::to_string(i) + ".png");
    EXPECT_EQ(image.at("path").as_string(), path);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(image.at("seed").to_number<int>(), 7 + i);
    // The same pixels as the line form's image i.
    const std::string hash(image.at("blake2b").as_string());
    EXPECT_TRUE(contains(lines.output, dir.path("a-" + std::to_string(i) + ".png") + "  seed " +
                                           std::to_string(7 + i) + "  blake2b " + hash))
        << lines.output;
  }
}

}  // namespace
}  // namespace seedgrid::test
