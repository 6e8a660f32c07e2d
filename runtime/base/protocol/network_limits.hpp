#pragma once
// The limits a network puts on every request (the coordinator's config, coordinator.limits), as a
// message carries them: the coordinator refuses a request past them at submit, and publishes them
// in its status report so a gateway or client checks, and quotes, the same way.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

struct NetworkLimits {
  std::uint32_t max_count = 512;
  std::uint32_t max_width = 4'096;
  std::uint32_t max_height = 4'096;
  std::uint32_t max_steps = 150;
  double max_guidance = 30.0;
  std::uint32_t max_prompt_bytes = 2'000;
  bool operator==(const NetworkLimits&) const = default;
};

// The request's count, width and height (multiples of 8), steps, guidance and prompts against
// `limits`: ok, or the refusal the coordinator gives (invalid_count, invalid_size, ...), naming the
// field, the value and the limit. What the model renders (its size multiple) is checked apart.
Reply check_network_limits(const GenerateRequest& request, const NetworkLimits& limits);

// The byte offset of the first character a prompt may not hold, or npos. A prompt is text: no C0
// control character but tab, line feed and carriage return, no DEL, and no C1 control
// (U+0080-U+009F, which terminals obey as escapes as they do ESC). A NUL ended the prompt early in
// the PNG's text chunk (and in every C string). The gateway words its own refusal with it.
// `text` is valid UTF-8.
std::size_t first_control_character(std::string_view text);
// The code point of the control character first_control_character found at `at`.
std::uint32_t control_character_code(std::string_view text, std::size_t at);
// Why `text` cannot be a request's text (a prompt, a task parameter's value): not UTF-8, or a
// control character, worded after `what` ("prompt", "parameter style"). nullopt when it can.
std::optional<std::string> text_refusal(std::string_view what, std::string_view text);

}  // namespace seedgrid::protocol
