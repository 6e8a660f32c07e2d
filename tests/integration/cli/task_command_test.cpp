// `seedgrid task check` and `seedgrid task run` through the real binary: the shipped scripts
// check, a script that escapes the sandbox or declares a bad schema is refused with its line or
// parameter, and txt2img.lua / img2img.lua write the pixels `seedgrid render` writes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

const std::string kTasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The blake2b of the first image a render or a task run printed.
std::string output_hash(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex("blake2b ([0-9a-f]{64})")) ? m[1].str() : "";
}

TEST(TaskCommand, CheckPrintsTheSchemaAndTheDeclaredCost) {
  const auto run = run_seedgrid("task check " + kTasks + "txt2img.lua");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "txt2img.lua: task txt2img")) << run.output;
  EXPECT_TRUE(contains(run.output, "steps              int in [1, 500], default 20")) << run.output;
  EXPECT_TRUE(contains(run.output, "pass 1: 20 steps over 262144 pixels")) << run.output;
  const auto img2img =
      run_seedgrid("task check " + kTasks + "img2img.lua --param steps=10 --param strength=0.5");
  EXPECT_EQ(img2img.status, 0) << img2img.output;
  EXPECT_TRUE(contains(img2img.output, "init_image as a 512x512 image")) << img2img.output;
  EXPECT_TRUE(contains(img2img.output, "pass 1: 5 steps over 262144 pixels")) << img2img.output;
}

TEST(TaskCommand, CheckRefusesASandboxEscapeOrABadSchemaNamingTheLine) {
  ScratchDir dir;
  write_file(dir.path("escape.lua"),
             "name = 'escape'\nlocal f = io.open('/etc/passwd')\nparams = {}\n");
  const auto escape = run_seedgrid("task check " + dir.path("escape.lua"));
  EXPECT_EQ(escape.status, 1) << escape.output;
  EXPECT_TRUE(contains(escape.output, "escape.lua:2: io.open is not available")) << escape.output;
  write_file(dir.path("schema.lua"),
             "name = 'schema'\nparams = { {name = 'steps', type = 'int', min = 5, max = 1} }\n"
             "function cost(p) return {{steps = 1, pixels = 1}} end\nfunction run(p, seed) end\n");
  const auto schema = run_seedgrid("task check " + dir.path("schema.lua"));
  EXPECT_EQ(schema.status, 1) << schema.output;
  EXPECT_TRUE(contains(schema.output, "schema.lua: parameter steps has min 5 above max 1"))
      << schema.output;
  const auto missing = run_seedgrid("task check " + dir.path("none.lua"));
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_TRUE(contains(missing.output, "FILE " + dir.path("none.lua") + ": no such file"))
      << missing.output;
}

// A declared choice the script's own planning cannot handle used to pass the check and fail only
// when a request picked it; check plans every choice and names the one that fails.
TEST(TaskCommand, CheckPlansEveryDeclaredChoice) {
  ScratchDir dir;
  write_file(dir.path("modes.lua"),
             "name = 'modes'\n"
             "params = {\n"
             "  { name = 'mode', type = 'string', default = 'fast', choices = { 'fast', 'slow', "
             "'turbo' } },\n"
             "  { name = 'steps', type = 'int', min = 1, max = 50, default = 4 },\n"
             "}\n"
             "local passes = { fast = 1, slow = 2 }\n"
             "function cost(p)\n"
             "  local n = passes[p.mode]\n"
             "  if n == nil then error('no plan for mode ' .. p.mode) end\n"
             "  local out = {}\n"
             "  for i = 1, n do out[i] = { steps = p.steps, pixels = 64 * 64 } end\n"
             "  return out\n"
             "end\n"
             "function run(p, seed) end\n");
  const auto modes = run_seedgrid("task check " + dir.path("modes.lua"));
  EXPECT_EQ(modes.status, 1) << modes.output;
  EXPECT_TRUE(contains(modes.output,
                       "parameter mode, choice \"turbo\": modes.lua:9: no plan for "
                       "mode turbo"))
      << modes.output;
  EXPECT_FALSE(contains(modes.output, "choice \"slow\"")) << modes.output;
  EXPECT_TRUE(contains(modes.output, "choices: 3 of 3 declared planned")) << modes.output;
  // The other parameters stay as given while each choice is planned.
  const auto given = run_seedgrid("task check " + dir.path("modes.lua") + " --param steps=7");
  EXPECT_EQ(given.status, 1) << given.output;
  EXPECT_TRUE(contains(given.output, "pass 1: 7 steps over 4096 pixels")) << given.output;
  EXPECT_TRUE(contains(given.output, "choice \"turbo\"")) << given.output;
  // size() is planned too: it refuses a choice before cost() is asked.
  write_file(dir.path("sized.lua"),
             "name = 'sized'\n"
             "params = { { name = 'aspect', type = 'string', default = 'square', choices = { "
             "'square', 'wide' } } }\n"
             "function size(p)\n"
             "  if p.aspect == 'wide' then error('wide is not drawn yet') end\n"
             "  return 64, 64\n"
             "end\n"
             "function cost(p) return { { steps = 1, pixels = 64 * 64 } } end\n"
             "function run(p, seed) end\n");
  const auto sized = run_seedgrid("task check " + dir.path("sized.lua"));
  EXPECT_EQ(sized.status, 1) << sized.output;
  EXPECT_TRUE(contains(sized.output,
                       "parameter aspect, choice \"wide\": sized.lua:4: wide is not drawn yet"))
      << sized.output;
  // Every shipped script handles each choice it declares.
  for (const char* script : {"txt2img.lua", "img2img.lua", "hires_fix.lua", "inpaint.lua",
                             "outpaint.lua", "variation.lua"}) {
    const auto shipped = run_seedgrid("task check " + kTasks + script);
    EXPECT_EQ(shipped.status, 0) << script << "\n" << shipped.output;
    EXPECT_TRUE(contains(shipped.output, "choices: 4 of 4 declared planned")) << script << "\n"
                                                                              << shipped.output;
  }
}

TEST(TaskCommand, RunWritesWhatRenderWrites) {
  ScratchDir dir;
  const auto made = run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string common = " --model " + dir.path("tiny") + " --seed 5";
  const auto render = run_seedgrid("render" + common +
                                       " --prompt 'a red fox' --steps 3 --width 64 --height 64"
                                       " --sampler euler_a --out " +
                                       dir.path("render.png"),
                                   120);
  ASSERT_EQ(render.status, 0) << render.output;
  const auto task = run_seedgrid("task run " + kTasks + "txt2img.lua" + common +
                                     " --param 'prompt=a red fox' --param steps=3 --param "
                                     "width=64 --param height=64 --param sampler=euler_a --out " +
                                     dir.path("task.png"),
                                 120);
  ASSERT_EQ(task.status, 0) << task.output;
  EXPECT_FALSE(output_hash(render.output).empty()) << render.output;
  EXPECT_EQ(output_hash(task.output), output_hash(render.output)) << task.output;
  EXPECT_TRUE(std::regex_search(
      task.output, std::regex("pass 1: 3 steps at 64x64 .* trajectory root [0-9a-f]{64}")))
      << task.output;

  const auto render2 =
      run_seedgrid("render" + common + " --prompt 'a red fox' --steps 4" + " --init-image " +
                       dir.path("render.png") + " --strength 0.5 --out " + dir.path("render2.png"),
                   120);
  ASSERT_EQ(render2.status, 0) << render2.output;
  const auto task2 = run_seedgrid("task run " + kTasks + "img2img.lua" + common +
                                      " --param 'prompt=a red fox' --param steps=4 --param " +
                                      "init_image=" + dir.path("render.png") +
                                      " --param strength=0.5 --out " + dir.path("task2.png"),
                                  120);
  ASSERT_EQ(task2.status, 0) << task2.output;
  EXPECT_EQ(output_hash(task2.output), output_hash(render2.output)) << task2.output;
  EXPECT_TRUE(contains(task2.output, "pass 1: 2 steps at 64x64")) << task2.output;

  const auto range = run_seedgrid("task run " + kTasks + "txt2img.lua" + common +
                                  " --param steps=0 --out " + dir.path("x.png"));
  EXPECT_EQ(range.status, 2) << range.output;
  EXPECT_TRUE(contains(range.output, "parameter steps = 0 is outside its range [1, 500]"))
      << range.output;
  const auto unknown = run_seedgrid("task run " + kTasks + "txt2img.lua" + common +
                                    " --param stepz=3 --out " + dir.path("x.png"));
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "task txt2img has no parameter stepz")) << unknown.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path("x.png")));
}

}  // namespace
}  // namespace seedgrid::test
