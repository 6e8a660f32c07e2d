#include "models/tokenizer/byte_symbols.hpp"

#include "models/tokenizer/unicode_text.hpp"

namespace seedgrid {

namespace {

bool printable_as_itself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

std::array<std::string, 256> build() {
  std::array<std::string, 256> table;
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const char32_t cp = printable_as_itself(b) ? static_cast<char32_t>(b) : next++;
    unicode::append_utf8(table[static_cast<std::size_t>(b)], cp);
  }
  return table;
}

}  // namespace

const std::array<std::string, 256>& byte_symbols() {
  static const std::array<std::string, 256> table = build();
  return table;
}

std::string bytes_to_symbols(std::string_view bytes) {
  const auto& table = byte_symbols();
  std::string out;
  for (char c : bytes) out += table[static_cast<unsigned char>(c)];
  return out;
}

}  // namespace seedgrid
