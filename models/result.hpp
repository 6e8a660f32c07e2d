#pragma once
// Errors are values: every fallible call returns Result<T>, whose error is a message a person can
// act on (it names the offending file, tensor, key or value). No exception crosses a module boundary.
#include <cstdint>
#include <cstdio>
#include <expected>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace seedgrid {

// `code`: the stable protocol error code (runtime/base/protocol/error_code.hpp) of an error raised
// with one, 0 when none was given. A number, not protocol::ErrorCode, because models/ builds
// without the runtime; protocol::fail_with sets it and protocol::code_of reads it, and context()
// keeps it on the way up, so the edge that answers a client takes the code from the error itself.
struct Error {
  std::string message;
  std::uint16_t code = 0;
};

template <class T>
using Result = std::expected<T, Error>;

namespace detail {
inline void append_part(std::string& out, std::string_view s) { out.append(s); }
inline void append_part(std::string& out, const char* s) { out.append(s); }
inline void append_part(std::string& out, const std::string& s) { out.append(s); }
inline void append_part(std::string& out, char c) { out.push_back(c); }
template <class N>
  requires(std::is_arithmetic_v<N> && !std::is_same_v<N, char> && !std::is_same_v<N, bool>)
void append_part(std::string& out, N n) {
  if constexpr (std::is_floating_point_v<N>) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(n));
    out.append(buf);
  } else {
    out.append(std::to_string(n));
  }
}
inline void append_part(std::string& out, bool b) { out.append(b ? "true" : "false"); }
}  // namespace detail

// Builds a message from its pieces: strings, characters and numbers.
template <class... Parts>
std::string message_of(Parts&&... parts) {
  std::string message;
  (detail::append_part(message, std::forward<Parts>(parts)), ...);
  return message;
}

// `return fail("tensor ", name, " has ", n, " dimensions, expected 4");`
template <class... Parts>
std::unexpected<Error> fail(Parts&&... parts) {
  return std::unexpected<Error>(Error{message_of(std::forward<Parts>(parts)...)});
}

// Prefixes context onto an error on its way up, keeping its code:
// `return context(r.error(), "loading ", path);`
template <class... Parts>
std::unexpected<Error> context(const Error& inner, Parts&&... parts) {
  return std::unexpected<Error>(
      Error{message_of(std::forward<Parts>(parts)...) + ": " + inner.message, inner.code});
}

// Hands a failed call's error up unchanged, its code included: `if (!r) return pass_on(r);`
template <class T>
std::unexpected<Error> pass_on(const Result<T>& failed) {
  return std::unexpected<Error>(failed.error());
}

}  // namespace seedgrid
