// The .safetensors reader on arbitrary bytes: header length, JSON header, tensor table (dtypes,
// shapes, offsets, overlaps, metadata). Whatever it accepts must lie inside the file.
#include <string_view>

#include "models/weights/safetensors_reader.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = fuzz::write_scratch("input.safetensors", {data, size});
  SafetensorsReadOptions options;
  options.skip_other_dtypes = [](std::string_view name) { return name.starts_with("skip"); };
  auto file = read_safetensors(path, options);
  if (!file) {
    SEEDGRID_FUZZ_CHECK(!file.error().message.empty());
    return 0;
  }
  for (const SafetensorsEntry& e : file->entries) {
    SEEDGRID_FUZZ_CHECK(e.data_begin <= e.data_end && e.data_end <= size);
    if (!e.tensor.defined()) continue;
    SEEDGRID_FUZZ_CHECK(e.tensor.bytes() == e.data_end - e.data_begin);
    // Reading the first and last byte of each view: out of the mapping, the sanitizer says so.
    const auto* bytes = static_cast<const volatile std::uint8_t*>(e.tensor.raw());
    if (e.tensor.bytes() > 0) (void)(bytes[0] + bytes[e.tensor.bytes() - 1]);
  }
  return 0;
}
