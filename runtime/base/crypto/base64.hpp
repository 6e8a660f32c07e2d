#pragma once
// Base64 (the standard alphabet, padded): receipts, sealed text at rest and the gateway's inline
// images all use this one form. Encoding is not constant-time (nothing encoded is a secret in
// the clear); decoding goes through libsodium.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seedgrid {

std::string base64_of(std::span<const std::uint8_t> bytes);
// Nothing unless the whole text decodes; characters in `ignore` (e.g. " \r\n" for text a person
// pasted) are skipped.
std::optional<std::vector<std::uint8_t>> bytes_of_base64(std::string_view text,
                                                         const char* ignore = nullptr);

}  // namespace seedgrid
