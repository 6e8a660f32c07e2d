#pragma once
// A JSON value for the files seedgrid reads and writes itself: safetensors headers, diffusers and
// transformers config.json files, tokenizer vocabularies. Objects keep their members in file order
// (a written file reads back member for member), and integers keep their exact value (safetensors
// offsets do not fit a double once files pass 2^53 bytes, and ids must round-trip unchanged).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace seedgrid::json {

enum class Kind : std::uint8_t { null, boolean, integer, real, string, array, object };
std::string_view kind_name(Kind k);  // "null", "boolean", "integer", "number", ...

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(std::uint64_t i) = delete;  // say which one you mean: int64 or double
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_integer() const { return kind() == Kind::integer; }
  bool is_number() const { return kind() == Kind::integer || kind() == Kind::real; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }

  // Typed access; each aborts on the wrong kind (check first: that is a programming error).
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_number() const;  // an integer or a real
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object member lookup (linear: config objects are small); nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
  // Sets a member of an object, replacing an existing one in place or appending a new one.
  Value& set(std::string key, Value value);
  // Appends to an array.
  void push_back(Value value);

  bool operator==(const Value&) const = default;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> v_;
};

// A float as the real whose shortest decimal form is the float's (1e-5f is written as 1e-05,
// not as the 9.99999974737875e-06 a plain widening gives), so configs read the same in Python.
Value float_value(float f);

}  // namespace seedgrid::json
