// What `seedgrid task check` plans of a script beyond its defaults: each declared choice, the
// other parameters as given, with the script's own error for a choice it cannot handle, and no
// more plans than the cap however many choices a script declares.
#include "runtime/base/task_script/task_check.hpp"

#include <gtest/gtest.h>

namespace seedgrid::task_script {
namespace {

Result<TaskScript> script_of(const std::string& source) {
  return TaskScript::from_source(source, "check.lua");
}

// `mode` picks the steps of one pass from a table; a choice missing from it fails in cost().
std::string modes_script(const std::string& choices) {
  return "name = 'modes'\n"
         "params = { { name = 'mode', type = 'string', default = 'a', choices = { " +
         choices +
         " } } }\n"
         "local steps = { a = 1, b = 2 }\n"
         "function cost(p)\n"
         "  if steps[p.mode] == nil then error('no steps for ' .. p.mode) end\n"
         "  return { { steps = steps[p.mode], pixels = 64 } }\n"
         "end\n"
         "function run(p, seed) end\n";
}

TEST(TaskCheck, AChoiceTheScriptCannotPlanIsNamedWithTheScriptsError) {
  const auto script = script_of(modes_script("'a', 'b', 'c'"));
  ASSERT_TRUE(script) << script.error().message;
  const ChoiceCheck check = check_choices(*script, {});
  EXPECT_EQ(check.declared, 3u);
  EXPECT_EQ(check.planned, 2u);  // a is the default, planned with the defaults
  EXPECT_EQ(check.skipped, 0u);
  ASSERT_EQ(check.failures.size(), 1u);
  EXPECT_EQ(check.failures[0].param, "mode");
  EXPECT_EQ(check.failures[0].choice, "c");
  EXPECT_EQ(check.failures[0].error.message, "check.lua:5: no steps for c");
}

TEST(TaskCheck, EveryChoiceAScriptHandlesPasses) {
  const auto script = script_of(modes_script("'a', 'b'"));
  ASSERT_TRUE(script) << script.error().message;
  const ChoiceCheck check = check_choices(*script, {});
  EXPECT_EQ(check.declared, 2u);
  EXPECT_TRUE(check.failures.empty()) << check.failures.front().error.message;
}

TEST(TaskCheck, TheGivenValueIsReplacedByEachChoice) {
  // Given c (which fails), a and b are each planned instead of it.
  const auto script = script_of(modes_script("'a', 'b', 'c'"));
  ASSERT_TRUE(script) << script.error().message;
  const ChoiceCheck check = check_choices(*script, {{"mode", std::string("c")}});
  EXPECT_EQ(check.planned, 2u);
  EXPECT_TRUE(check.failures.empty()) << check.failures.front().error.message;
}

TEST(TaskCheck, PlansStopAtTheCapInDeclarationOrder) {
  std::string choices = "'a'";
  for (int i = 0; i < 20; ++i) choices += ", 'x" + std::to_string(i) + "'";
  const auto script = script_of(modes_script(choices));
  ASSERT_TRUE(script) << script.error().message;
  const ChoiceCheck check = check_choices(*script, {}, 5);
  EXPECT_EQ(check.declared, 21u);
  EXPECT_EQ(check.planned, 5u);
  EXPECT_EQ(check.skipped, 15u);
  ASSERT_EQ(check.failures.size(), 5u);
  EXPECT_EQ(check.failures.front().choice, "x0");
  EXPECT_EQ(check.failures.back().choice, "x4");
}

TEST(TaskCheck, PlanAsksSizeBeforeCost) {
  const auto script = script_of(
      "name = 'sized'\n"
      "params = { { name = 'side', type = 'int', default = 63 } }\n"
      "function size(p)\n"
      "  if p.side % 8 ~= 0 then error('side ' .. p.side .. ' is no multiple of 8') end\n"
      "  return p.side, p.side\n"
      "end\n"
      "function cost(p) return { { steps = 1, pixels = p.side * p.side } } end\n"
      "function run(p, seed) end\n");
  ASSERT_TRUE(script) << script.error().message;
  auto params = resolve_params(script->schema(), {});
  ASSERT_TRUE(params) << params.error().message;
  auto plan = plan_task(*script, *params);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "check.lua:4: side 63 is no multiple of 8");
  params->insert_or_assign("side", ParamValue{std::int64_t{64}});
  auto ok = plan_task(*script, *params);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->front().pixels, 64 * 64);
}

}  // namespace
}  // namespace seedgrid::task_script
