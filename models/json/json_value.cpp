#include "models/json/json_value.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace seedgrid::json {

namespace {
[[noreturn]] void wrong_kind(Kind have, std::string_view want) {
  std::fprintf(stderr, "seedgrid: json misuse: %.*s access to a %.*s value\n",
               static_cast<int>(want.size()), want.data(), static_cast<int>(kind_name(have).size()),
               kind_name(have).data());
  std::abort();
}
}  // namespace

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::null: return "null";
    case Kind::boolean: return "boolean";
    case Kind::integer: return "integer";
    case Kind::real: return "number";
    case Kind::string: return "string";
    case Kind::array: return "array";
    case Kind::object: return "object";
  }
  return "?";
}

bool Value::as_bool() const {
  if (!is_bool()) wrong_kind(kind(), "boolean");
  return std::get<bool>(v_);
}

std::int64_t Value::as_int() const {
  if (!is_integer()) wrong_kind(kind(), "integer");
  return std::get<std::int64_t>(v_);
}

double Value::as_number() const {
  if (is_integer()) return static_cast<double>(std::get<std::int64_t>(v_));
  if (kind() != Kind::real) wrong_kind(kind(), "number");
  return std::get<double>(v_);
}

const std::string& Value::as_string() const {
  if (!is_string()) wrong_kind(kind(), "string");
  return std::get<std::string>(v_);
}

const Array& Value::as_array() const {
  if (!is_array()) wrong_kind(kind(), "array");
  return std::get<Array>(v_);
}

Array& Value::as_array() {
  if (!is_array()) wrong_kind(kind(), "array");
  return std::get<Array>(v_);
}

const Object& Value::as_object() const {
  if (!is_object()) wrong_kind(kind(), "object");
  return std::get<Object>(v_);
}

Object& Value::as_object() {
  if (!is_object()) wrong_kind(kind(), "object");
  return std::get<Object>(v_);
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(v_))
    if (k == key) return &v;
  return nullptr;
}

Value& Value::set(std::string key, Value value) {
  Object& members = as_object();
  for (auto& [k, v] : members) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  members.emplace_back(std::move(key), std::move(value));
  return members.back().second;
}

void Value::push_back(Value value) { as_array().push_back(std::move(value)); }

Value float_value(float f) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0;
  std::from_chars(buf, end, d);
  return Value(d);
}

}  // namespace seedgrid::json
