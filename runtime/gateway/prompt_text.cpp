#include "runtime/gateway/prompt_text.hpp"

#include <cstdio>

namespace seedgrid::gateway {

std::optional<std::string> prompt_text_refusal(std::string_view text) {
  std::size_t character = 0;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((b & 0xC0) != 0x80) ++character;  // a UTF-8 continuation byte is no new character
    if ((b >= 0x20 || b == '\t' || b == '\n' || b == '\r') && b != 0x7F) continue;
    char code[8];
    std::snprintf(code, sizeof code, "U+%04X", b);
    return "character " + std::to_string(character) + " (counting from 1) is the control " +
           "character " + code + ": a prompt is text (tabs and line breaks are fine)";
  }
  return std::nullopt;
}

}  // namespace seedgrid::gateway
