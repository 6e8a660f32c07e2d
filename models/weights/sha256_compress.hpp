#pragma once
// The SHA-256 compression function over whole 64-byte blocks, in two implementations with the
// same results: portable C++, and the x86 SHA extensions (about ten times faster; hashing an SD
// checkpoint for its model id is otherwise slower than reading it). Sha256 picks the fast one when
// the CPU has it.
#include <array>
#include <cstddef>
#include <cstdint>

namespace seedgrid::sha256_detail {

using State = std::array<std::uint32_t, 8>;

void compress_portable(State& state, const std::uint8_t* blocks, std::size_t count);
// False (and nothing done) when the CPU or the build lacks the SHA extensions.
bool compress_accelerated(State& state, const std::uint8_t* blocks, std::size_t count);

}  // namespace seedgrid::sha256_detail
