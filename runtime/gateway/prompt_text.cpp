#include "runtime/gateway/prompt_text.hpp"

#include <cstdio>

#include "runtime/base/protocol/network_limits.hpp"

namespace seedgrid::gateway {

std::optional<std::string> prompt_text_refusal(std::string_view text) {
  const std::size_t at = protocol::first_control_character(text);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t character = 0;  // as a person counts: UTF-8 continuation bytes start none
  for (std::size_t i = 0; i <= at; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++character;
  char code[8];
  std::snprintf(code, sizeof code, "U+%04X", protocol::control_character_code(text, at));
  return "character " + std::to_string(character) + " (counting from 1) is the control " +
         "character " + code + ": a prompt is text (tabs and line breaks are fine)";
}

}  // namespace seedgrid::gateway
