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
  const auto control = std::find_if(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f;
  });
  return control == text.end() ? std::string_view::npos
                               : static_cast<std::size_t>(control - text.begin());
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
    if (!valid_utf8(*text))
      return refuse(ErrorCode::invalid_prompt, std::string(which) + " is not valid UTF-8");
    if (const std::size_t at = first_control_character(*text); at != std::string_view::npos) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>((*text)[at]));
      return refuse(ErrorCode::invalid_prompt,
                    std::string(which) + " holds the control character " + code + " at byte " +
                        std::to_string(at) + ": a prompt is text (tabs and line breaks are fine)");
    }
  }
  return {};
}

}  // namespace seedgrid::protocol
