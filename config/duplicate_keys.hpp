#pragma once
// Internal to config/: Boost.JSON keeps only the last of two equal keys in an object, so a config
// that sets "threads" twice would run on whichever came last without a word. This finds the first
// key given twice, with its JSON path and where it stands in the text.
#include <boost/json/parse_options.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace seedgrid::config::detail {

struct DuplicateKey {
  std::string path;         // "$.worker.rendering.threads"
  std::size_t offset = 0;   // just past the second occurrence of the key in the text
};

// The first duplicate key of a document that parses with `options`; nothing when there is none
// (or when the text is not valid JSON: the parser proper reports that).
std::optional<DuplicateKey> first_duplicate_key(std::string_view text,
                                                const boost::json::parse_options& options);

}  // namespace seedgrid::config::detail
