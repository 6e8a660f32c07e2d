// The single-file (original layout) checkpoint mapping: component prefixes, renaming to diffusers
// names, config inference from shapes, the sidecar configs and the OpenCLIP conversion.
// Input: the safetensors JSON header, then optionally a NUL byte and the sidecar JSON. The target
// writes the file with a zero-filled data section as large as the header's offsets ask (up to
// 16 MiB), so the fuzzer spends its time on names, shapes and configs rather than on tensor bytes.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "models/json/json_parse.hpp"
#include "models/weights/checkpoint.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

namespace {

constexpr std::uint64_t kMaxData = 16u << 20;

// The largest data_offsets end the header names (0 when it is not readable as such).
std::uint64_t data_size_of(std::string_view header) {
  auto root = json::parse(header, "fuzz header");
  if (!root || !root->is_object()) return 0;
  std::uint64_t end = 0;
  for (const auto& [name, entry] : root->as_object()) {
    const json::Value* offsets = entry.is_object() ? entry.find("data_offsets") : nullptr;
    if (!offsets || !offsets->is_array() || offsets->as_array().size() != 2) continue;
    const json::Value& e = offsets->as_array()[1];
    if (e.is_integer() && e.as_int() > 0)
      end = std::max(end, static_cast<std::uint64_t>(e.as_int()));
  }
  return std::min(end, kMaxData);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string_view header = input.substr(0, nul);
  std::vector<std::uint8_t> file(8);
  for (int i = 0; i < 8; ++i) file[i] = static_cast<std::uint8_t>(header.size() >> (8 * i));
  file.insert(file.end(), header.begin(), header.end());
  file.resize(file.size() + data_size_of(header), 0);
  const std::string path = fuzz::write_scratch("model.safetensors", file);
  const std::string sidecar = path + ".json";
  std::remove(sidecar.c_str());
  if (nul != std::string_view::npos) {
    const std::string_view text = input.substr(nul + 1);
    fuzz::write_scratch("model.safetensors.json",
                        {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }
  CheckpointOptions options;
  options.tokenizer_dir = fuzz::tiny_tokenizer_dir();
  auto checkpoint = load_checkpoint(path, options);
  if (!checkpoint) SEEDGRID_FUZZ_CHECK(!checkpoint.error().message.empty());
  if (std::getenv("SEEDGRID_FUZZ_VERBOSE"))
    std::fprintf(stderr, "%s\n",
                 checkpoint ? ("loaded " + checkpoint->model_id).c_str()
                            : checkpoint.error().message.c_str());
  return 0;
}
