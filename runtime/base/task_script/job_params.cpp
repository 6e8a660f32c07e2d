#include "runtime/base/task_script/job_params.hpp"

#include <array>
#include <cmath>

namespace seedgrid::task_script {
namespace {

using Standard = std::variant<std::int64_t, double, std::string, bool>;

constexpr std::array<std::string_view, 8> kStandard{
    "prompt", "negative_prompt", "steps", "guidance", "sampler", "karras", "width", "height"};

Standard standard_value(const JobInputs& s, std::string_view name) {
  if (name == "prompt") return s.prompt;
  if (name == "negative_prompt") return s.negative_prompt;
  if (name == "steps") return std::int64_t{s.steps};
  if (name == "guidance") return static_cast<double>(s.guidance);  // a float is exact as a double
  if (name == "sampler") return s.sampler;
  if (name == "karras") return s.karras;
  if (name == "width") return std::int64_t{s.width};
  return std::int64_t{s.height};
}

// The request's field as the script's parameter of that name declares it.
Result<ParamValue> as_declared(const ParamSpec& p, const Standard& v) {
  const auto mismatch = [&](std::string_view field_type) -> Result<ParamValue> {
    return fail("the script's parameter ", p.name, " is ", param_type_name(p.type),
                " but the request's field ", p.name, " is ", field_type,
                ": the script cannot take this standard field");
  };
  switch (p.type) {
    case ParamType::integer:
      if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
      if (const auto* d = std::get_if<double>(&v); d && std::floor(*d) == *d)
        return static_cast<std::int64_t>(*d);
      return mismatch(std::holds_alternative<double>(v) ? "a fractional number" : "not a number");
    case ParamType::number:
      if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
      if (const auto* d = std::get_if<double>(&v)) return *d;
      return mismatch("not a number");
    case ParamType::string:
      if (const auto* t = std::get_if<std::string>(&v)) return *t;
      if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
      return mismatch("not text");
    case ParamType::boolean:
      if (const auto* b = std::get_if<bool>(&v)) return *b;
      return mismatch("not a bool");
    case ParamType::image:
      return mismatch("not an image");
  }
  return mismatch("of another type");
}

// How `generate` sends an image parameter.
std::string flag_of(std::string_view name) {
  if (name == "init_image") return "generate --init-image FILE.png";
  if (name == "mask") return "generate --mask FILE.png";
  return message_of("generate --image ", name, "=FILE.png");
}

// An image parameter's value names an image that came with the request by its id.
Result<ParamValue> image_named(const ParamSpec& p, const std::string& id, const JobInputs& in) {
  bool hex = id.size() == 64;
  for (char c : id) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex)
    return fail("parameter ", p.name, " = \"", id.substr(0, 80),
                "\" is not an image id (64 lower-case hex digits): an image parameter names an "
                "image sent with the request (", flag_of(p.name), ")");
  const RgbImage* image = in.image ? in.image(id) : nullptr;
  if (image == nullptr)
    return fail("parameter ", p.name, " names image ", id.substr(0, 12),
                "..., which did not come with the request (", flag_of(p.name), ")");
  return ParamValue{*image};
}

}  // namespace

bool is_standard_field(std::string_view name) {
  for (auto f : kStandard)
    if (f == name) return true;
  return false;
}

Result<ParamValues> job_params(const TaskSchema& schema, const JobInputs& spec) {
  ParamValues given;
  for (std::size_t i = 0; i < spec.params.size(); ++i) {
    const auto& param = spec.params[i];
    if (i > 0 && !(spec.params[i - 1].name < param.name))
      return fail("parameters must be sorted by name, each given once; found ",
                  spec.params[i - 1].name, " before ", param.name);
    if (is_standard_field(param.name))
      return fail("parameter ", param.name, " = \"", param.value,
                  "\" is a field of the request itself: give it as the request's ", param.name,
                  " (generate --", param.name == "negative_prompt" ? "negative-prompt" : param.name,
                  ")");
    const ParamSpec* p = schema.find(param.name);
    if (p == nullptr) {
      std::string known;
      for (const auto& s : schema.params)
        if (!is_standard_field(s.name)) known += (known.empty() ? "" : ", ") + s.name;
      return fail("task ", schema.name, " has no parameter ", param.name, " (given \"",
                  param.value, "\"); its parameters: ", known.empty() ? "none" : known);
    }
    if (p->type == ParamType::image) {
      auto image = image_named(*p, param.value, spec);
      if (!image) return pass_on(image);
      given.emplace(param.name, std::move(*image));
      continue;
    }
    auto value = parse_param_text(*p, param.value);
    if (!value) return pass_on(value);
    given.emplace(param.name, std::move(*value));
  }
  for (const ParamSpec& p : schema.params) {
    if (p.type == ParamType::image && !given.contains(p.name) && !p.default_value)
      return fail("task ", schema.name, " requires the image parameter ", p.name, " (",
                  flag_of(p.name), ")");
    if (!is_standard_field(p.name)) continue;
    auto value = as_declared(p, standard_value(spec, p.name));
    if (!value) return pass_on(value);
    given.emplace(p.name, std::move(*value));
  }
  return resolve_params(schema, given);
}

}  // namespace seedgrid::task_script
