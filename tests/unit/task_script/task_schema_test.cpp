// A task script's declared parameters: the schema's own checks, values resolved against it, and
// a script's declaration read from Lua, each error naming the parameter and the value.
#include "runtime/base/task_script/task_schema.hpp"

#include <gtest/gtest.h>

#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::task_script {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TaskSchema sample_schema() {
  TaskSchema s;
  s.name = "demo";
  s.params = {
      {"steps", ParamType::integer, 1.0, 150.0, {}, ParamValue{std::int64_t{20}}, ""},
      {"strength", ParamType::number, 0.0, 1.0, {}, ParamValue{0.75}, ""},
      {"sampler",
       ParamType::string,
       {},
       {},
       {"euler", "ddim"},
       ParamValue{std::string("euler")},
       ""},
      {"karras", ParamType::boolean, {}, {}, {}, ParamValue{false}, ""},
      {"init_image", ParamType::image, {}, {}, {}, std::nullopt, ""},
  };
  return s;
}

std::string resolve_error(const ParamValues& given) {
  auto r = resolve_params(sample_schema(), given);
  return r ? std::string("<ok>") : r.error().message;
}

const RgbImage kImage{8, 8, std::vector<std::uint8_t>(8 * 8 * 3, 0)};

TEST(TaskSchema, ResolvesDefaultsAndWidensNumbers) {
  auto r = resolve_params(sample_schema(), {{"init_image", kImage}, {"strength", std::int64_t{1}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::get<std::int64_t>(r->at("steps")), 20);
  EXPECT_EQ(std::get<double>(r->at("strength")), 1.0);
  EXPECT_EQ(std::get<std::string>(r->at("sampler")), "euler");
  EXPECT_EQ(std::get<RgbImage>(r->at("init_image")), kImage);
}

TEST(TaskSchema, RefusesValuesNamingTheParameterAndValue) {
  EXPECT_EQ(resolve_error({{"init_image", kImage}, {"steps", std::int64_t{500}}}),
            "parameter steps = 500 is outside its range [1, 150]");
  EXPECT_EQ(resolve_error({{"init_image", kImage}, {"steps", 2.5}}),
            "parameter steps is int, found 2.5");
  EXPECT_EQ(resolve_error({{"init_image", kImage}, {"sampler", std::string("plms")}}),
            "parameter sampler = \"plms\" is not one of euler, ddim");
  EXPECT_EQ(resolve_error({{"init_image", kImage}, {"karras", std::string("yes")}}),
            "parameter karras is bool, found \"yes\"");
  EXPECT_EQ(resolve_error({}), "parameter init_image (image) of task demo is required");
  EXPECT_EQ(resolve_error({{"init_image", kImage}, {"stepz", std::int64_t{3}}}),
            "task demo has no parameter stepz (given 3); its parameters: steps, strength, "
            "sampler, karras, init_image");
  EXPECT_EQ(resolve_error({{"init_image", std::string("a.png")}}),
            "parameter init_image is image, found \"a.png\"");
}

TEST(TaskSchema, ParsesCommandLineValues) {
  const TaskSchema s = sample_schema();
  EXPECT_EQ(std::get<std::int64_t>(*parse_param_text(*s.find("steps"), "30")), 30);
  EXPECT_EQ(std::get<double>(*parse_param_text(*s.find("strength"), "0.5")), 0.5);
  EXPECT_EQ(std::get<bool>(*parse_param_text(*s.find("karras"), "true")), true);
  EXPECT_EQ(parse_param_text(*s.find("steps"), "30x").error().message,
            "parameter steps is int, found \"30x\"");
  EXPECT_EQ(parse_param_text(*s.find("karras"), "maybe").error().message,
            "parameter karras is bool (true or false), found \"maybe\"");
}

TEST(TaskSchema, ChecksItsOwnDeclaration) {
  TaskSchema s = sample_schema();
  s.params[0].min = 200.0;
  EXPECT_EQ(check_schema(s).error().message, "parameter steps has min 200 above max 150");
  s = sample_schema();
  s.params[1].default_value = 3.0;
  EXPECT_EQ(
      check_schema(s).error().message,
      "the default of parameter strength: parameter strength = 3 is outside its range [0, 1]");
  s = sample_schema();
  s.params.push_back(s.params[0]);
  EXPECT_EQ(check_schema(s).error().message, "parameter steps is declared twice");
  s = sample_schema();
  s.params[2].min = 1.0;
  EXPECT_EQ(check_schema(s).error().message,
            "parameter sampler is string: only int and number parameters take min and max");
  s = sample_schema();
  s.params[0].name = "two words";
  EXPECT_TRUE(contains(check_schema(s).error().message, "must be an identifier"));
}

std::string script_error(const std::string& body) {
  auto s = TaskScript::from_source(
      "name = 'demo'\nfunction cost(p) return {{steps = 1, pixels = 1}} end\n"
      "function run(p, seed) end\n" +
          body,
      "demo.lua");
  return s ? std::string("<ok>") : s.error().message;
}

TEST(TaskSchema, ReadsAScriptsDeclaration) {
  auto s = TaskScript::from_source(
      "name = 'demo'\ndescription = 'a demo'\n"
      "params = { {name = 'steps', type = 'int', min = 1, max = 9, default = 4, help = 'h'},\n"
      "           {name = 'mode', type = 'string', choices = {'a', 'b'}, default = 'b'} }\n"
      "function cost(p) return {{steps = p.steps, pixels = 64 * 64}} end\n"
      "function run(p, seed) end\n",
      "demo.lua");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->schema().name, "demo");
  ASSERT_EQ(s->schema().params.size(), 2u);
  EXPECT_EQ(s->schema().params[0].max, 9.0);
  EXPECT_EQ(s->schema().params[1].choices, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s->id().size(), 64u);
  auto resolved = resolve_params(s->schema(), {{"steps", std::int64_t{7}}});
  ASSERT_TRUE(resolved) << resolved.error().message;
  auto cost = s->declared_cost(*resolved);
  ASSERT_TRUE(cost) << cost.error().message;
  EXPECT_EQ(*cost, (std::vector<PassCost>{{7, 4096}}));
}

TEST(TaskSchema, RefusesABadDeclarationNamingTheScriptAndParameter) {
  EXPECT_EQ(script_error("params = { {name = 'steps', type = 'integer'} }"),
            "demo.lua: params[1] (steps): unknown parameter type \"integer\": use int, number, "
            "string, bool or image");
  EXPECT_EQ(script_error("params = { {name = 'steps', type = 'int', deafult = 3} }"),
            "demo.lua: params[1] has an unknown field deafult (fields: name, type, min, max, "
            "default, choices, help)");
  EXPECT_EQ(script_error("params = { {name = 'steps', type = 'int', min = 'one'} }"),
            "demo.lua: params[1] (steps).min must be a number, found string");
  EXPECT_EQ(script_error("params = { {name = 'w', type = 'int', max = 8, default = 9} }"),
            "demo.lua: the default of parameter w: parameter w = 9 is outside its range [-inf, 8]");
  EXPECT_EQ(script_error("params = 3"),
            "demo.lua: the script must set params = { {name = ..., type = ...}, ... }");
  EXPECT_EQ(script_error("params = {}\nrun = nil"),
            "demo.lua: the script must define function run(p, seed), found nil");
  EXPECT_EQ(script_error("params = {}\nlocal x = nil + 1"),
            "demo.lua:5: attempt to perform arithmetic on a nil value");
}

TEST(TaskSchema, RefusesABadCostNamingThePass) {
  auto s = TaskScript::from_source(
      "name = 'demo'\nparams = {}\nfunction cost(p) return {{steps = 0, pixels = 4}} end\n"
      "function run(p, seed) end\n",
      "demo.lua");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->declared_cost({}).error().message,
            "demo.lua: cost's pass 1 needs steps as a positive integer");
  auto looping = TaskScript::from_source(
      "name = 'demo'\nparams = {}\nfunction cost(p)\n  while true do end\nend\n"
      "function run(p, seed) end\n",
      "demo.lua", SandboxLimits{100'000, std::size_t{16} << 20});
  ASSERT_TRUE(looping) << looping.error().message;
  EXPECT_TRUE(contains(looping->declared_cost({}).error().message,
                       "demo.lua:4: the script ran past its instruction budget"));
}

TEST(TaskSchema, SizeIsOptionalAndMustReturnTwoPositiveIntegers) {
  const std::string head =
      "name = 'demo'\nparams = { {name = 'w', type = 'int', default = 24} }\n"
      "function cost(p) return {{steps = 1, pixels = 4}} end\nfunction run(p, seed) end\n";
  const ParamValues w24{{"w", ParamValue{std::int64_t{24}}}};
  auto none = TaskScript::from_source(head, "demo.lua");
  ASSERT_TRUE(none) << none.error().message;
  auto unsized = none->declared_size(w24);
  ASSERT_TRUE(unsized) << unsized.error().message;
  EXPECT_FALSE(unsized->has_value()) << "no size(): the request's width x height";
  auto sized = TaskScript::from_source(head + "function size(p) return p.w * 2, 16 end\n",
                                       "demo.lua");
  ASSERT_TRUE(sized) << sized.error().message;
  auto size = sized->declared_size(w24);
  ASSERT_TRUE(size && size->has_value());
  EXPECT_EQ((*size)->width, 48);
  EXPECT_EQ((*size)->height, 16);
  auto bad = TaskScript::from_source(head + "function size(p) return 0.5, 16 end\n", "demo.lua");
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_EQ(bad->declared_size(w24).error().message,
            "demo.lua: size must return the width and height as positive integers");
  auto failing = TaskScript::from_source(
      head + "function size(p)\n  error('too wide: ' .. p.w)\nend\n", "demo.lua");
  ASSERT_TRUE(failing) << failing.error().message;
  EXPECT_TRUE(contains(failing->declared_size(w24).error().message, "demo.lua:6: too wide: 24"))
      << failing->declared_size(w24).error().message;
}

}  // namespace
}  // namespace seedgrid::task_script
