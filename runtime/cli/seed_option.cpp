#include "runtime/cli/seed_option.hpp"

#include <sodium.h>

#include <charconv>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid::cli {

Result<std::optional<std::uint64_t>> parse_seed(const std::string& text) {
  if (text.empty() || text == "-1" || text == "random") return std::optional<std::uint64_t>{};
  std::uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (ec != std::errc{} || end != text.data() + text.size())
    return fail(
        "--seed must be a number from 0 to 18446744073709551615, or -1 for a random "
        "seed, found '",
        text, "'");
  return std::optional<std::uint64_t>{seed};
}

std::uint64_t random_seed() {
  ensure_sodium();
  return randombytes_uniform(0xffffffffu);
}

}  // namespace seedgrid::cli
