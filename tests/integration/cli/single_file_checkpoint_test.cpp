// A single .safetensors checkpoint carries no tokenizer: alone, the error says exactly what to pass,
// and passing it renders; beside the tokenizer/ folder `seedgrid mkmodel` writes, the file or its
// folder renders with nothing more.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

std::string render_command(const std::string& model, const std::string& out) {
  return "render --model " + model + " --prompt cat --steps 1 --width 64 --height 64 --out " + out;
}

TEST(SingleFileCheckpoint, AFileAloneSaysWhichTokenizerToPass) {
  ScratchDir dir;
  const auto made = run_seedgrid(
      "mkmodel --preset tiny --seed 1 --layout single-file --out " + dir.path("sd"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  std::filesystem::create_directories(dir.path("alone"));
  for (const char* name : {"model.safetensors", "model.safetensors.json"})
    std::filesystem::copy_file(dir.path("sd") + "/" + name, dir.path("alone") + "/" + name);
  const std::string render =
      render_command(dir.path("alone/model.safetensors"), dir.path("cat.png"));
  const auto refused = run_seedgrid(render, 120);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "pass --tokenizer DIR")) << refused.output;
  EXPECT_TRUE(contains(refused.output, "tokenizer/ folder of a diffusers copy")) << refused.output;
  const auto rendered = run_seedgrid(render + " --tokenizer " + dir.path("sd/tokenizer"), 120);
  EXPECT_EQ(rendered.status, 0) << rendered.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path("cat.png")));
}

TEST(SingleFileCheckpoint, TheFolderMkmodelWritesRendersAsItIsAndLikeItsFile) {
  ScratchDir dir;
  const auto made = run_seedgrid(
      "mkmodel --preset tiny --seed 1 --layout single-file --out " + dir.path("sd"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  const auto by_folder = run_seedgrid(render_command(dir.path("sd"), dir.path("a.png")), 120);
  ASSERT_EQ(by_folder.status, 0) << by_folder.output;
  const auto by_file =
      run_seedgrid(render_command(dir.path("sd/model.safetensors"), dir.path("b.png")), 120);
  ASSERT_EQ(by_file.status, 0) << by_file.output;
  // Both print the image's pixel hash: the same model and tokenizer render the same pixels.
  auto hash_of = [](const std::string& out) {
    const auto at = out.find("blake2b ");
    return at == std::string::npos ? std::string() : out.substr(at + 8, 64);
  };
  EXPECT_FALSE(hash_of(by_folder.output).empty()) << by_folder.output;
  EXPECT_EQ(hash_of(by_folder.output), hash_of(by_file.output));
}

TEST(SingleFileCheckpoint, AFolderWithTwoCheckpointsAsksWhichOne) {
  ScratchDir dir;
  const auto made = run_seedgrid(
      "mkmodel --preset tiny --seed 1 --layout single-file --out " + dir.path("sd"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  std::filesystem::copy_file(dir.path("sd/model.safetensors"), dir.path("sd/other.safetensors"));
  const auto refused = run_seedgrid(render_command(dir.path("sd"), dir.path("c.png")), 120);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "holds 2 .safetensors files")) << refused.output;
  EXPECT_TRUE(contains(refused.output, "other.safetensors")) << refused.output;
}

}  // namespace
}  // namespace seedgrid::test
