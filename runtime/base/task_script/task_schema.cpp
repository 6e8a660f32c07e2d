#include "runtime/base/task_script/task_schema.hpp"

#include <charconv>
#include <cmath>
#include <set>

namespace seedgrid::task_script {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string range_text(const ParamSpec& p) {
  return message_of("[", p.min ? message_of(*p.min) : std::string("-inf"), ", ",
                    p.max ? message_of(*p.max) : std::string("inf"), "]");
}

std::string choices_text(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

// The value as the parameter's type (an int for a number parameter is widened; a whole number
// for an int parameter is narrowed), then checked against its range or choices.
Result<ParamValue> conform(const ParamSpec& p, const ParamValue& value) {
  const std::string shown = describe_value(value);
  auto wrong_type = [&] {
    return fail("parameter ", p.name, " is ", param_type_name(p.type), ", found ", shown);
  };
  ParamValue v = value;
  switch (p.type) {
    case ParamType::integer:
      if (const double* d = std::get_if<double>(&value)) {
        if (!(std::isfinite(*d) && *d == std::trunc(*d) && std::fabs(*d) < 9.0e15))
          return wrong_type();
        v = static_cast<std::int64_t>(*d);
      } else if (!std::holds_alternative<std::int64_t>(value)) {
        return wrong_type();
      }
      break;
    case ParamType::number:
      if (const std::int64_t* i = std::get_if<std::int64_t>(&value))
        v = static_cast<double>(*i);
      else if (!std::holds_alternative<double>(value))
        return wrong_type();
      if (!std::isfinite(std::get<double>(v)))
        return fail("parameter ", p.name, " must be a finite number, found ", shown);
      break;
    case ParamType::string:
      if (!std::holds_alternative<std::string>(value)) return wrong_type();
      break;
    case ParamType::boolean:
      if (!std::holds_alternative<bool>(value)) return wrong_type();
      break;
    case ParamType::image:
      if (!std::holds_alternative<RgbImage>(value)) return wrong_type();
      break;
  }
  if (p.type == ParamType::integer || p.type == ParamType::number) {
    const double x = p.type == ParamType::integer ? static_cast<double>(std::get<std::int64_t>(v))
                                                  : std::get<double>(v);
    if ((p.min && x < *p.min) || (p.max && x > *p.max))
      return fail("parameter ", p.name, " = ", shown, " is outside its range ", range_text(p));
  }
  if (p.type == ParamType::string && !p.choices.empty()) {
    const std::string& s = std::get<std::string>(v);
    bool found = false;
    for (const auto& c : p.choices) found = found || c == s;
    if (!found)
      return fail("parameter ", p.name, " = ", shown, " is not one of ", choices_text(p.choices));
  }
  return v;
}

}  // namespace

std::string_view param_type_name(ParamType type) {
  switch (type) {
    case ParamType::integer:
      return "int";
    case ParamType::number:
      return "number";
    case ParamType::string:
      return "string";
    case ParamType::boolean:
      return "bool";
    case ParamType::image:
      return "image";
  }
  return "?";
}

Result<ParamType> parse_param_type(std::string_view name) {
  for (ParamType t : {ParamType::integer, ParamType::number, ParamType::string, ParamType::boolean,
                      ParamType::image})
    if (param_type_name(t) == name) return t;
  return fail("unknown parameter type \"", name, "\": use int, number, string, bool or image");
}

const ParamSpec* TaskSchema::find(std::string_view name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

Result<void> check_schema(const TaskSchema& schema) {
  if (!is_identifier(schema.name))
    return fail("the task's name \"", schema.name,
                "\" must be an identifier (letters, digits, _; at most 64)");
  std::set<std::string> seen;
  for (const ParamSpec& p : schema.params) {
    if (!is_identifier(p.name))
      return fail("parameter name \"", p.name,
                  "\" must be an identifier (letters, digits, _; at most 64)");
    if (!seen.insert(p.name).second) return fail("parameter ", p.name, " is declared twice");
    const bool numeric = p.type == ParamType::integer || p.type == ParamType::number;
    if ((p.min || p.max) && !numeric)
      return fail("parameter ", p.name, " is ", param_type_name(p.type),
                  ": only int and number parameters take min and max");
    for (const auto& bound : {p.min, p.max})
      if (bound && !std::isfinite(*bound))
        return fail("parameter ", p.name, " has a bound that is not a finite number");
    if (p.min && p.max && *p.min > *p.max)
      return fail("parameter ", p.name, " has min ", *p.min, " above max ", *p.max);
    if (!p.choices.empty() && p.type != ParamType::string)
      return fail("parameter ", p.name, " is ", param_type_name(p.type),
                  ": only string parameters take choices");
    if (p.type == ParamType::image && p.default_value)
      return fail("parameter ", p.name, " is an image: an image has no default");
    if (p.default_value)
      if (auto ok = conform(p, *p.default_value); !ok)
        return context(ok.error(), "the default of parameter ", p.name);
  }
  return {};
}

Result<ParamValue> parse_param_text(const ParamSpec& p, std::string_view text) {
  switch (p.type) {
    case ParamType::integer: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return fail("parameter ", p.name, " is int, found \"", text, "\"");
      return v;
    }
    case ParamType::number: {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return fail("parameter ", p.name, " is number, found \"", text, "\"");
      return v;
    }
    case ParamType::string:
      return std::string(text);
    case ParamType::boolean:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      return fail("parameter ", p.name, " is bool (true or false), found \"", text, "\"");
    case ParamType::image:
      return fail("parameter ", p.name, " is an image: give it as a PNG file");
  }
  return fail("parameter ", p.name, " has an unknown type");
}

Result<ParamValues> resolve_params(const TaskSchema& schema, const ParamValues& given) {
  for (const auto& [name, value] : given)
    if (schema.find(name) == nullptr) {
      std::string known;
      for (const auto& p : schema.params) known += (known.empty() ? "" : ", ") + p.name;
      return fail("task ", schema.name, " has no parameter ", name, " (given ",
                  describe_value(value), "); its parameters: ", known);
    }
  ParamValues out;
  for (const ParamSpec& p : schema.params) {
    auto it = given.find(p.name);
    if (it == given.end()) {
      if (!p.default_value)
        return fail("parameter ", p.name, " (", param_type_name(p.type), ") of task ", schema.name,
                    " is required");
      out.emplace(p.name, *p.default_value);
      continue;
    }
    auto v = conform(p, it->second);
    if (!v) return pass_on(v);
    out.emplace(p.name, std::move(*v));
  }
  return out;
}

std::string describe_value(const ParamValue& value) {
  struct Describe {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return message_of(v); }
    std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const RgbImage& v) const {
      return message_of("image ", v.width, "x", v.height);
    }
  };
  return std::visit(Describe{}, value);
}

}  // namespace seedgrid::task_script
