// A scripted job's parameters from what its request signed: the request's standard fields as the
// script's parameters of those names, the rest parsed from text, defaults filled in, and every
// refusal naming the parameter and the value.
#include "runtime/base/task_script/job_params.hpp"

#include <gtest/gtest.h>

namespace seedgrid::task_script {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TaskSchema schema() {
  TaskSchema s;
  s.name = "demo";
  s.params = {
      {"prompt", ParamType::string, {}, {}, {}, ParamValue{std::string()}, ""},
      {"steps", ParamType::integer, 1.0, 150.0, {}, ParamValue{std::int64_t{20}}, ""},
      {"width", ParamType::integer, 8.0, 1024.0, {}, ParamValue{std::int64_t{512}}, ""},
      {"guidance", ParamType::number, 0.0, 50.0, {}, ParamValue{7.5}, ""},
      {"strength", ParamType::number, 0.0, 1.0, {}, ParamValue{0.75}, ""},
      {"scale", ParamType::integer, 1.0, 4.0, {}, ParamValue{std::int64_t{2}}, ""},
      {"style", ParamType::string, {}, {}, {"oil", "ink"}, ParamValue{std::string("oil")}, ""},
      {"tiled", ParamType::boolean, {}, {}, {}, ParamValue{false}, ""},
  };
  return s;
}

JobInputs inputs(std::vector<JobInputs::Text> params = {}) {
  JobInputs in;
  in.prompt = "a red fox";
  in.steps = 12;
  in.guidance = 6.5f;
  in.sampler = "euler";
  in.width = 256;
  in.height = 128;
  in.params = std::move(params);
  return in;
}

std::string error_of(const JobInputs& in) {
  auto r = job_params(schema(), in);
  return r ? std::string("<ok>") : r.error().message;
}

TEST(JobParams, StandardFieldsAreTheScriptsParametersAndDefaultsFillTheRest) {
  auto p = job_params(schema(), inputs({{"scale", "3"}, {"tiled", "true"}}));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(std::get<std::string>(p->at("prompt")), "a red fox");
  EXPECT_EQ(std::get<std::int64_t>(p->at("steps")), 12);
  EXPECT_EQ(std::get<std::int64_t>(p->at("width")), 256);
  EXPECT_EQ(std::get<double>(p->at("guidance")), 6.5);
  EXPECT_EQ(std::get<std::int64_t>(p->at("scale")), 3);
  EXPECT_EQ(std::get<bool>(p->at("tiled")), true);
  EXPECT_EQ(std::get<double>(p->at("strength")), 0.75) << "the default";
  EXPECT_EQ(std::get<std::string>(p->at("style")), "oil") << "the default";
  EXPECT_FALSE(p->contains("height")) << "a field the script does not declare is not passed";
}

TEST(JobParams, AValueOutsideTheSchemaIsRefusedNamingTheParameterAndValue) {
  auto e = error_of(inputs({{"scale", "7"}}));
  EXPECT_TRUE(contains(e, "scale") && contains(e, "7")) << e;
  e = error_of(inputs({{"style", "pastel"}}));
  EXPECT_TRUE(contains(e, "style") && contains(e, "pastel")) << e;
  auto wide = inputs();
  wide.width = 2048;  // the network may allow it; this script does not
  e = error_of(wide);
  EXPECT_TRUE(contains(e, "width") && contains(e, "2048")) << e;
}

TEST(JobParams, AValueOfTheWrongTypeIsRefused) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"scale", "2.5"}, {"strength", "strong"}, {"tiled", "maybe"}}) {
    const auto e = error_of(inputs({{name, value}}));
    EXPECT_TRUE(contains(e, name) && contains(e, value)) << name << ": " << e;
  }
}

TEST(JobParams, AnUnknownParameterIsRefusedListingTheScriptsOwn) {
  const auto e = error_of(inputs({{"sharpness", "2"}}));
  EXPECT_TRUE(contains(e, "sharpness")) << e;
  EXPECT_TRUE(contains(e, "strength") && contains(e, "scale")) << e;
  EXPECT_FALSE(contains(e, "steps")) << "a standard field is not offered as a parameter: " << e;
}

TEST(JobParams, AStandardFieldAsAParameterIsRefusedPointingToTheField) {
  const auto e = error_of(inputs({{"steps", "30"}}));
  EXPECT_TRUE(contains(e, "steps") && contains(e, "30") && contains(e, "--steps")) << e;
}

TEST(JobParams, ParametersMustBeSortedAndGivenOnce) {
  EXPECT_TRUE(contains(error_of(inputs({{"tiled", "true"}, {"scale", "2"}})), "sorted"));
  EXPECT_TRUE(contains(error_of(inputs({{"scale", "2"}, {"scale", "3"}})), "scale"));
}

TEST(JobParams, AnImageParameterNamesAnImageOfTheRequestByItsId) {
  TaskSchema s = schema();
  s.params.push_back({"init_image", ParamType::image, {}, {}, {}, std::nullopt, ""});
  const RgbImage image{2, 1, {1, 2, 3, 4, 5, 6}};
  const std::string id(64, 'a');
  auto in = inputs({{"init_image", id}});
  in.image = [&](const std::string& wanted) { return wanted == id ? &image : nullptr; };
  auto p = job_params(s, in);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(std::get<RgbImage>(p->at("init_image")), image);

  // Another id: the request did not carry that image.
  in.params = {{"init_image", std::string(64, 'b')}};
  auto other = job_params(s, in);
  ASSERT_FALSE(other);
  EXPECT_TRUE(contains(other.error().message, "init_image names image bbbbbbbbbbbb"))
      << other.error().message;
  EXPECT_TRUE(contains(other.error().message, "did not come with the request"));
  // Not an id at all (a file name, say).
  in.params = {{"init_image", "cat.png"}};
  auto named = job_params(s, in);
  ASSERT_FALSE(named);
  EXPECT_TRUE(contains(named.error().message, "\"cat.png\" is not an image id"))
      << named.error().message;
  EXPECT_TRUE(contains(named.error().message, "--init-image")) << named.error().message;
  // Missing: the message says how to send it.
  auto absent = job_params(s, inputs());
  ASSERT_FALSE(absent);
  EXPECT_TRUE(contains(absent.error().message, "requires the image parameter init_image"))
      << absent.error().message;
}

}  // namespace
}  // namespace seedgrid::task_script
