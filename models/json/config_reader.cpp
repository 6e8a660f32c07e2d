#include "models/json/config_reader.hpp"

#include <cmath>
#include <limits>

#include "models/json/json_write.hpp"

namespace seedgrid::json {

std::string brief(const Value& v) {
  std::string s = write(v);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

ConfigReader::ConfigReader(const Value& root, std::string source)
    : root_(root), source_(std::move(source)) {
  if (!root_.is_object())
    error("expected a JSON object at the top level, found ", kind_name(root_.kind()));
}

bool ConfigReader::has(std::string_view key) const {
  const Value* v = root_.find(key);
  return v && !v->is_null();
}

const Value* ConfigReader::lookup(std::string_view key) const {
  if (error_) return nullptr;
  const Value* v = root_.find(key);
  return v && !v->is_null() ? v : nullptr;
}

void ConfigReader::wrong_type(std::string_view key, const Value& v, std::string_view expected) {
  error("key \"", key, "\" must be ", expected, ", found ", brief(v));
}

void ConfigReader::read(std::string_view key, int& out) {
  const Value* v = lookup(key);
  if (!v) return;
  if (!v->is_integer() || v->as_int() < std::numeric_limits<int>::min() ||
      v->as_int() > std::numeric_limits<int>::max())
    return wrong_type(key, *v, "an integer");
  out = static_cast<int>(v->as_int());
}

void ConfigReader::read(std::string_view key, float& out) {
  const Value* v = lookup(key);
  if (!v) return;
  if (!v->is_number() || std::fabs(v->as_number()) > std::numeric_limits<float>::max())
    return wrong_type(key, *v, "a number");
  out = static_cast<float>(v->as_number());
}

void ConfigReader::read(std::string_view key, bool& out) {
  const Value* v = lookup(key);
  if (!v) return;
  if (!v->is_bool()) return wrong_type(key, *v, "true or false");
  out = v->as_bool();
}

void ConfigReader::read(std::string_view key, std::string& out) {
  const Value* v = lookup(key);
  if (!v) return;
  if (!v->is_string()) return wrong_type(key, *v, "a string");
  out = v->as_string();
}

void ConfigReader::read(std::string_view key, std::vector<int>& out) {
  const Value* v = lookup(key);
  if (!v) return;
  const auto as_int = [](const Value& x) -> std::optional<int> {
    if (!x.is_integer() || x.as_int() < std::numeric_limits<int>::min() ||
        x.as_int() > std::numeric_limits<int>::max())
      return std::nullopt;
    return static_cast<int>(x.as_int());
  };
  if (auto one = as_int(*v)) {
    out = {*one};
    return;
  }
  if (!v->is_array()) return wrong_type(key, *v, "an integer or a list of integers");
  std::vector<int> values;
  for (const Value& item : v->as_array()) {
    auto i = as_int(item);
    if (!i) return wrong_type(key, *v, "an integer or a list of integers");
    values.push_back(*i);
  }
  out = std::move(values);
}

void ConfigReader::read(std::string_view key, std::vector<std::string>& out) {
  const Value* v = lookup(key);
  if (!v) return;
  if (!v->is_array()) return wrong_type(key, *v, "a list of strings");
  std::vector<std::string> values;
  for (const Value& item : v->as_array()) {
    if (!item.is_string()) return wrong_type(key, *v, "a list of strings");
    values.push_back(item.as_string());
  }
  out = std::move(values);
}

void ConfigReader::read_choice(std::string_view key, std::string& out,
                               std::initializer_list<std::string_view> allowed) {
  std::string value = out;
  read(key, value);
  if (error_) return;
  for (auto a : allowed) {
    if (a == value) {
      out = std::move(value);
      return;
    }
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  error("key \"", key, "\" has unsupported value \"", value, "\" (supported: ", list, ")");
}

void ConfigReader::require(std::string_view key, std::initializer_list<Value> supported) {
  const Value* v = lookup(key);
  if (!v) return;
  for (const Value& s : supported) {
    if (*v == s) return;
    // 1 and 1.0 are the same setting.
    if (v->is_number() && s.is_number() && v->as_number() == s.as_number()) return;
  }
  std::string list;
  for (const Value& s : supported) list += (list.empty() ? "" : ", ") + brief(s);
  error("key \"", key, "\" has unsupported value ", brief(*v), " (seedgrid implements only ",
        list.empty() ? std::string("null") : list, ")");
}

Result<void> ConfigReader::status() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

}  // namespace seedgrid::json
