#include "models/tokenizer/unicode_text.hpp"

#include <algorithm>
#include <span>

#include "models/tokenizer/unicode_tables.hpp"

namespace seedgrid::unicode {

namespace {

bool in_ranges(std::span<const unicode_tables::CodePointRange> ranges, char32_t cp) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                             [](char32_t c, const auto& r) { return c < r.first; });
  return it != ranges.begin() && cp <= std::prev(it)->last;
}

char32_t lower_simple(char32_t cp) {
  const auto runs = unicode_tables::lower_runs();
  auto it = std::upper_bound(runs.begin(), runs.end(), cp,
                             [](char32_t c, const auto& r) { return c < r.first; });
  if (it == runs.begin()) return cp;
  const auto& run = *std::prev(it);
  if (cp > run.last || (cp - run.first) % static_cast<char32_t>(run.stride) != 0) return cp;
  return static_cast<char32_t>(static_cast<std::int64_t>(cp) + run.delta);
}

constexpr char32_t kCapitalSigma = 0x03A3, kFinalSigma = 0x03C2;
constexpr char32_t kCapitalIWithDot = 0x0130, kCombiningDotAbove = 0x0307;

}  // namespace

Result<std::u32string> decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0, min = 0;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      extra = 1, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      extra = 2, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      extra = 3, cp = b0 & 0x07, min = 0x10000;
    } else {
      return fail("text is not valid UTF-8: byte ", i, " (value ", static_cast<int>(b0),
                  ") cannot start a character");
    }
    if (text.size() - i <= static_cast<std::size_t>(extra))
      return fail("text is not valid UTF-8: the character at byte ", i, " is cut off");
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((b & 0xC0) != 0x80)
        return fail("text is not valid UTF-8: byte ", i + static_cast<std::size_t>(k),
                    " should continue the character at byte ", i);
      cp = (cp << 6) | (b & 0x3F);
    }
    if (extra > 0 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
      return fail("text is not valid UTF-8: the character at byte ", i,
                  " is an overlong form, a surrogate or past U+10FFFF");
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

bool is_letter(char32_t cp) { return in_ranges(unicode_tables::letters(), cp); }
bool is_number(char32_t cp) { return in_ranges(unicode_tables::numbers(), cp); }
bool is_space(char32_t cp) { return in_ranges(unicode_tables::spaces(), cp); }

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (cp == kCapitalIWithDot) {
      out.push_back(U'i');
      out.push_back(kCombiningDotAbove);
    } else if (cp == kCapitalSigma && i > 0 && is_letter(text[i - 1]) &&
               !(i + 1 < text.size() && is_letter(text[i + 1]))) {
      out.push_back(kFinalSigma);
    } else {
      out.push_back(lower_simple(cp));
    }
  }
  return out;
}

}  // namespace seedgrid::unicode
