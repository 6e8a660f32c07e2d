#pragma once
// What a prompt may hold, checked as the request comes in so the refusal speaks the API's words:
// the field the client sent (Horde's one "prompt", before its "###" split; /v1's "prompt" or
// "negative_prompt") and the character's position in it as a person counts (characters, not
// bytes). The rule is the coordinator's own (protocol::first_control_character, which
// check_network_limits applies for every client).
#include <optional>
#include <string>
#include <string_view>

namespace seedgrid::gateway {

// Why `text` cannot be a prompt, naming its first control character and where it is ("character 6
// (counting from 1) is U+0000 ..."); nothing when it is text. `text` is UTF-8 (a JSON string).
std::optional<std::string> prompt_text_refusal(std::string_view text);

}  // namespace seedgrid::gateway
