#pragma once
// Typed reading of one config object (a diffusers or transformers config.json). Lenient about keys
// it is not asked for (real files carry many), strict about the ones it is: a wrong type or an
// unsupported value is an error naming the file, the key and the value. Errors are sticky: the
// first one is kept and later reads do nothing, so a parser reads every field and checks once.
//
//   ConfigReader r(root, path);
//   r.read("in_channels", config.in_channels);
//   r.read_choice("act_fn", config.act_fn, {"silu"});
//   if (auto ok = r.status(); !ok) return pass_on(ok);
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/json/json_value.hpp"
#include "models/result.hpp"

namespace seedgrid::json {

class ConfigReader {
 public:
  // `root` must outlive the reader. A root that is not an object is an error reported by status().
  ConfigReader(const Value& root, std::string source);

  const std::string& source() const { return source_; }
  bool has(std::string_view key) const;  // present and not null

  // Each leaves `out` unchanged when the key is absent or null.
  void read(std::string_view key, int& out);
  void read(std::string_view key, float& out);  // an integer in the file is fine
  void read(std::string_view key, bool& out);
  void read(std::string_view key, std::string& out);
  // A list of integers, or one integer meaning a list with that one element.
  void read(std::string_view key, std::vector<int>& out);
  void read(std::string_view key, std::vector<std::string>& out);

  // A string that must be one of `allowed`.
  void read_choice(std::string_view key, std::string& out,
                   std::initializer_list<std::string_view> allowed);
  // A key seedgrid does not implement other than at its default: absent, null, or equal to one of
  // `supported` (e.g. "class_embed_type" must be null; "downsample_padding" must be 1).
  void require(std::string_view key, std::initializer_list<Value> supported);

  // Records an error of the caller's own (a cross-field check), if none is recorded yet.
  template <class... Parts>
  void error(Parts&&... parts) {
    if (!error_) error_ = Error{message_of(source_, ": ", std::forward<Parts>(parts)...)};
  }

  Result<void> status() const;

 private:
  const Value* lookup(std::string_view key) const;  // nullptr when absent, null or errored
  void wrong_type(std::string_view key, const Value& v, std::string_view expected);

  const Value& root_;
  std::string source_;
  std::optional<Error> error_;
};

// A value shortened for an error message: compact JSON, cut at about 80 characters.
std::string brief(const Value& v);

}  // namespace seedgrid::json
