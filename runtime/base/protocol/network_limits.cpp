#include "runtime/base/protocol/network_limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace seedgrid::protocol {
namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::size_t first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f) return i;
    // U+0080-U+009F are C2 80 to C2 9F in UTF-8.
    if (b == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f)
      return i;
  }
  return std::string_view::npos;
}

std::uint32_t control_character_code(std::string_view text, std::size_t at) {
  const auto b = static_cast<unsigned char>(text[at]);
  if (b == 0xc2 && at + 1 < text.size()) return static_cast<unsigned char>(text[at + 1]);
  return b;
}

Reply check_network_limits(const GenerateRequest& r, const NetworkLimits& limits) {
  if (r.count < 1 || r.count > limits.max_count)
    return refuse(ErrorCode::invalid_count, "count must be from 1 to " +
                                                std::to_string(limits.max_count) + ", got " +
                                                std::to_string(r.count));
  // The network's own caps first (config limits), then what the model renders.
  auto size_ok = [](std::uint32_t v, std::uint32_t max) {
    return v >= 8 && v <= max && v % 8 == 0;
  };
  if (!size_ok(r.width, limits.max_width))
    return refuse(ErrorCode::invalid_size, "width must be a multiple of 8 from 8 to " +
                                               std::to_string(limits.max_width) + ", got " +
                                               std::to_string(r.width));
  if (!size_ok(r.height, limits.max_height))
    return refuse(ErrorCode::invalid_size, "height must be a multiple of 8 from 8 to " +
                                               std::to_string(limits.max_height) + ", got " +
                                               std::to_string(r.height));
  if (r.steps < 1 || r.steps > limits.max_steps)
    return refuse(ErrorCode::invalid_steps, "steps must be from 1 to " +
                                                std::to_string(limits.max_steps) + ", got " +
                                                std::to_string(r.steps));
  if (!std::isfinite(r.guidance) || r.guidance < 0.0f || r.guidance > limits.max_guidance)
    return refuse(ErrorCode::invalid_guidance, "guidance must be a finite number from 0 to " +
                                                   std::to_string(limits.max_guidance) + ", got " +
                                                   std::to_string(r.guidance));
  for (const auto* text : {&r.prompt, &r.negative_prompt}) {
    const char* which = text == &r.prompt ? "prompt" : "negative prompt";
    if (text->size() > limits.max_prompt_bytes)
      return refuse(ErrorCode::invalid_prompt,
                    std::string(which) + " is " + std::to_string(text->size()) +
                        " bytes, at most " + std::to_string(limits.max_prompt_bytes) +
                        " are accepted");
    if (auto why = text_refusal(which, *text)) return refuse(ErrorCode::invalid_prompt, *why);
  }
  return {};
}

std::optional<std::string> text_refusal(std::string_view what, std::string_view text) {
  if (!valid_utf8(text)) return std::string(what) + " is not valid UTF-8";
  const std::size_t at = first_control_character(text);
  if (at == std::string_view::npos) return std::nullopt;
  char code[8];
  std::snprintf(code, sizeof code, "U+%04X", control_character_code(text, at));
  return std::string(what) + " holds the control character " + code + " at byte " +
         std::to_string(at) + ": it is text (tabs and line breaks are fine)";
}

}  // namespace seedgrid::protocol
