#include "config/duplicate_keys.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <set>
#include <vector>

namespace seedgrid::config::detail {
namespace {

namespace json = boost::json;

// A SAX handler that keeps only what a path needs: the keys seen in each open object and the
// index in each open array.
class DuplicateFinder {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  std::optional<std::string> duplicate;  // its path, once found (parsing stops there)

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    value_begins();
    frames_.push_back({false, {}, {}, 0});
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_object_begin(json::error_code&) {
    value_begins();
    frames_.push_back({true, {}, {}, 0});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return scalar(); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    Frame& f = frames_.back();
    f.key = std::move(key_);
    key_.clear();
    if (f.keys.insert(f.key).second) return true;
    duplicate = path();
    ec = make_error_code(boost::system::errc::invalid_argument);
    return false;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_double(double, json::string_view, json::error_code&) { return scalar(); }
  bool on_bool(bool, json::error_code&) { return scalar(); }
  bool on_null(json::error_code&) { return scalar(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;  // an object's keys so far
    std::string key;             // an object's current key
    std::size_t next_index = 0;  // an array's next element
  };

  // An array's element gets its index as it begins.
  void value_begins() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().next_index;
  }
  bool scalar() {
    value_begins();
    return true;
  }
  std::string path() const {
    std::string p = "$";
    for (const Frame& f : frames_)
      p += f.object ? "." + f.key : "[" + std::to_string(f.next_index - 1) + "]";
    return p;
  }

  std::vector<Frame> frames_;
  std::string key_;
};

}  // namespace

std::optional<DuplicateKey> first_duplicate_key(std::string_view text,
                                                const json::parse_options& options) {
  json::basic_parser<DuplicateFinder> parser(options);
  json::error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!parser.handler().duplicate) return std::nullopt;
  return DuplicateKey{*parser.handler().duplicate, consumed};
}

}  // namespace seedgrid::config::detail
