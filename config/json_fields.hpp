#pragma once
// Internal to config/: reads the fields of one JSON object into C++ values while tracking the JSON
// path, recording every problem ("$.worker.max_batch: expected an integer from 1 to 64, got a
// string \"four\"") instead of stopping at the first, and reporting keys nobody asked for.
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seedgrid::config::detail {

// Every problem found in one document, in the order found.
class Problems {
 public:
  void add(std::string message) { messages_.push_back(std::move(message)); }
  bool any() const { return !messages_.empty(); }
  std::string joined() const;  // one problem per line

 private:
  std::vector<std::string> messages_;
};

// "a string \"four\"", "an integer 3", "an object", ... for error messages.
std::string describe_value(const boost::json::value& v);

class Fields {
 public:
  // `value` must be an object; if it is not, a problem is recorded and every getter does nothing.
  Fields(const boost::json::value& value, std::string path, Problems& problems);

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return path_ + "." + std::string(key); }
  bool valid() const { return object_ != nullptr; }
  bool has(std::string_view key) const;
  // The raw value (marks the key known); nullptr when absent. A missing required key is recorded.
  const boost::json::value* raw(std::string_view key, bool required = false);

  void string(std::string_view key, std::string& out, bool required = false,
              bool non_empty = false);
  void boolean(std::string_view key, bool& out, bool required = false);
  void u16(std::string_view key, std::uint16_t& out, std::uint16_t min, std::uint16_t max,
           bool required = false);
  void u32(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max,
           bool required = false);
  void i64(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max,
           bool required = false);
  void number(std::string_view key, double& out, double min, double max, bool required = false);
  // One of `choices` (listed in the error when the value is not).
  void choice(std::string_view key, std::string& out, const std::vector<std::string>& choices,
              bool required = false);

  // Records every key of the object that no getter asked for.
  void finish();

 private:
  bool integer_in(std::string_view key, const boost::json::value& v, std::int64_t min,
                  std::int64_t max, std::int64_t& out);
  const boost::json::object* object_ = nullptr;
  std::string path_;
  Problems& problems_;
  std::vector<std::string> known_;
};

}  // namespace seedgrid::config::detail
