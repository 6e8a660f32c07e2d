#include "config/json_fields.hpp"

#include "config/json_pretty.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace seedgrid::config::detail {

namespace json = boost::json;

std::string Problems::joined() const {
  std::string out;
  for (const auto& m : messages_) {
    if (!out.empty()) out.push_back('\n');
    out.append(m);
  }
  return out;
}

std::string describe_value(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "the boolean true" : "the boolean false";
    case json::kind::int64:
      return "the integer " + std::to_string(v.get_int64());
    case json::kind::uint64:
      return "the integer " + std::to_string(v.get_uint64());
    case json::kind::double_:
      return "the number " + number_text(v.get_double());
    case json::kind::string: {
      std::string s(v.get_string());
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string \"" + s + "\"";
    }
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

Fields::Fields(const json::value& value, std::string path, Problems& problems)
    : path_(std::move(path)), problems_(problems) {
  if (const auto* obj = value.if_object()) {
    object_ = obj;
  } else {
    problems_.add(path_ + ": expected an object, got " + describe_value(value));
  }
}

bool Fields::has(std::string_view key) const {
  return object_ != nullptr && object_->if_contains(key) != nullptr;
}

const json::value* Fields::raw(std::string_view key, bool required) {
  if (object_ == nullptr) return nullptr;
  // A key may be read twice (looked at, then parsed): the unknown-key message lists it once.
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  const json::value* v = object_->if_contains(key);
  if (v == nullptr && required) problems_.add(path_of(key) + ": required key is missing");
  return v;
}

void Fields::string(std::string_view key, std::string& out, bool required, bool non_empty) {
  const json::value* v = raw(key, required);
  if (v == nullptr) return;
  if (!v->is_string()) {
    problems_.add(path_of(key) + ": expected a string, got " + describe_value(*v));
    return;
  }
  if (non_empty && v->get_string().empty()) {
    problems_.add(path_of(key) + ": expected a non-empty string");
    return;
  }
  out = std::string(v->get_string());
}

void Fields::boolean(std::string_view key, bool& out, bool required) {
  const json::value* v = raw(key, required);
  if (v == nullptr) return;
  if (!v->is_bool()) {
    problems_.add(path_of(key) + ": expected true or false, got " + describe_value(*v));
    return;
  }
  out = v->get_bool();
}

bool Fields::integer_in(std::string_view key, const json::value& v, std::int64_t min,
                        std::int64_t max, std::int64_t& out) {
  const std::string expected =
      "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  // A uint64 only appears above INT64_MAX: out of every range we accept.
  if (!v.is_int64()) {
    problems_.add(path_of(key) + ": " + expected + ", got " + describe_value(v));
    return false;
  }
  out = v.get_int64();
  if (out < min || out > max) {
    problems_.add(path_of(key) + ": " + expected + ", got " + std::to_string(out));
    return false;
  }
  return true;
}

void Fields::u16(std::string_view key, std::uint16_t& out, std::uint16_t min, std::uint16_t max,
                 bool required) {
  const json::value* v = raw(key, required);
  std::int64_t x = 0;
  if (v != nullptr && integer_in(key, *v, min, max, x)) out = static_cast<std::uint16_t>(x);
}

void Fields::u32(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max,
                 bool required) {
  const json::value* v = raw(key, required);
  std::int64_t x = 0;
  if (v != nullptr && integer_in(key, *v, min, max, x)) out = static_cast<std::uint32_t>(x);
}

void Fields::i64(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max,
                 bool required) {
  const json::value* v = raw(key, required);
  std::int64_t x = 0;
  if (v != nullptr && integer_in(key, *v, min, max, x)) out = x;
}

void Fields::number(std::string_view key, double& out, double min, double max, bool required) {
  const json::value* v = raw(key, required);
  if (v == nullptr) return;
  if (!v->is_number()) {
    problems_.add(path_of(key) + ": expected a number, got " + describe_value(*v));
    return;
  }
  const double x = v->to_number<double>();
  if (!std::isfinite(x) || x < min || x > max) {
    problems_.add(path_of(key) + ": expected a number from " + number_text(min) + " to " +
                  number_text(max) + ", got " + describe_value(*v));
    return;
  }
  out = x;
}

void Fields::choice(std::string_view key, std::string& out, const std::vector<std::string>& choices,
                    bool required) {
  std::string value = out;
  const json::value* v = raw(key, required);
  if (v == nullptr) return;
  if (!v->is_string() ||
      std::find(choices.begin(), choices.end(), std::string(v->get_string())) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
    problems_.add(path_of(key) + ": expected one of " + list + ", got " + describe_value(*v));
    return;
  }
  out = std::string(v->get_string());
}

void Fields::finish() {
  if (object_ == nullptr) return;
  for (const auto& kv : *object_) {
    const std::string_view key = kv.key();
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string list;
    for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
    problems_.add(path_of(key) + ": unknown key (known keys here: " + list + ")");
  }
}

}  // namespace seedgrid::config::detail
