// Node config JSON (comments, trailing commas, every section and key): what parses must print
// back (to_json_text) into a config that parses to the same text.
#include "config/node_config.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = config::parse_node_config(text, "fuzz.json");
  if (!config) {
    SEEDGRID_FUZZ_CHECK(!config.error().message.empty());
    return 0;
  }
  const std::string printed = config::to_json_text(*config);
  auto again = config::parse_node_config(printed, "printed.json");
  if (!again) std::fprintf(stderr, "%s\n%s\n", printed.c_str(), again.error().message.c_str());
  SEEDGRID_FUZZ_CHECK(again.has_value());
  SEEDGRID_FUZZ_CHECK(config::to_json_text(*again) == printed);
  return 0;
}
