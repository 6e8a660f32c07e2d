#include "models/tokenizer/clip_pre_tokenizer.hpp"

#include <array>

#include "models/tokenizer/unicode_text.hpp"

namespace seedgrid {

namespace {

bool starts_with_ascii(std::u32string_view text, std::size_t at, std::string_view ascii) {
  if (text.size() - at < ascii.size()) return false;
  for (std::size_t k = 0; k < ascii.size(); ++k)
    if (text[at + k] != static_cast<char32_t>(ascii[k])) return false;
  return true;
}

// In the pattern's order: "'s" before "'t" etc. matters only for which prefix wins, and none of
// them is a prefix of another.
constexpr std::array<std::string_view, 7> kContractions{"'s", "'t",  "'re", "'ve",
                                                        "'m", "'ll", "'d"};

bool is_symbol(char32_t cp) {
  return !unicode::is_space(cp) && !unicode::is_letter(cp) && !unicode::is_number(cp);
}

}  // namespace

Result<std::u32string> clean_prompt_text(std::string_view text) {
  auto decoded = unicode::decode_utf8(text);
  if (!decoded) return pass_on(decoded);
  std::u32string collapsed;
  bool pending_space = false;
  for (char32_t cp : *decoded) {
    if (unicode::is_space(cp)) {
      pending_space = !collapsed.empty();
      continue;
    }
    if (pending_space) collapsed.push_back(U' ');
    pending_space = false;
    collapsed.push_back(cp);
  }
  return unicode::to_lower(collapsed);
}

std::vector<std::string> clip_pre_tokenize(std::u32string_view text) {
  std::vector<std::string> pieces;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto take = [&](std::size_t end) {
    pieces.push_back(unicode::encode_utf8(text.substr(i, end - i)));
    i = end;
  };
  while (i < n) {
    bool matched = false;
    for (std::string_view literal : {kStartOfText, kEndOfText}) {
      if (starts_with_ascii(text, i, literal)) {
        take(i + literal.size());
        matched = true;
        break;
      }
    }
    if (matched) continue;
    for (std::string_view c : kContractions) {
      if (starts_with_ascii(text, i, c)) {
        take(i + c.size());
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const char32_t cp = text[i];
    std::size_t end = i + 1;
    if (unicode::is_letter(cp)) {
      while (end < n && unicode::is_letter(text[end])) ++end;
      take(end);
    } else if (unicode::is_number(cp)) {
      take(end);
    } else if (unicode::is_space(cp)) {
      ++i;
    } else {
      while (end < n && is_symbol(text[end])) ++end;
      take(end);
    }
  }
  return pieces;
}

}  // namespace seedgrid
