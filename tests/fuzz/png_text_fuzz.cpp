// The PNG text chunk reader (tEXt, iTXt; chunk layout and CRCs) on arbitrary bytes; on a PNG it
// accepts, a chunk inserted by insert_png_text must be read back after the ones already there.
#include "runtime/base/image/png_text.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> png(data, size);
  auto texts = read_png_text(png);
  if (!texts) {
    SEEDGRID_FUZZ_CHECK(!texts.error().message.empty());
    return 0;
  }
  const PngText added{"fuzz", "caf\xc3\xa9 \xe2\x98\x95"};  // UTF-8: goes into an iTXt chunk
  auto with = insert_png_text(png, added);
  if (!with) return 0;  // no IHDR to insert after: refused, and that is fine
  auto again = read_png_text(*with);
  SEEDGRID_FUZZ_CHECK(again.has_value());
  SEEDGRID_FUZZ_CHECK(again->size() == texts->size() + 1);
  bool found = false;
  for (const PngText& t : *again)
    found = found || (t.keyword == added.keyword && t.text == added.text);
  SEEDGRID_FUZZ_CHECK(found);
  return 0;
}
