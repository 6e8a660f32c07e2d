#pragma once
// GPT-2 / CLIP's byte-to-unicode table: each of the 256 bytes is written as one printable code
// point (printable latin-1 bytes as themselves, the others as U+0100 + n in byte order), so BPE
// works on text symbols while staying lossless over arbitrary UTF-8 bytes.
#include <array>
#include <string>
#include <string_view>

namespace seedgrid {

// The symbol of each byte, as UTF-8.
const std::array<std::string, 256>& byte_symbols();

// The symbols of each byte of `bytes`, concatenated.
std::string bytes_to_symbols(std::string_view bytes);

}  // namespace seedgrid
