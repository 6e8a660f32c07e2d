#pragma once
// The Unicode pieces CLIP's tokenizer needs, over UTF-8: decoding and encoding, letter / number /
// whitespace classes and lower-casing, with Python's semantics (its Unicode database, through the
// generated tables in unicode_tables.cpp), since CLIP's reference tokenizer is Python.
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::unicode {

// Fails on malformed UTF-8 (overlong forms, surrogates, truncated sequences), naming the byte
// offset.
Result<std::u32string> decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view text);

bool is_letter(char32_t cp);  // \p{L}
bool is_number(char32_t cp);  // \p{N}
bool is_space(char32_t cp);   // Python's str.isspace()

// Python's str.lower(): the simple mapping, U+0130 to "i̇", and a capital sigma at the end of a word
// (after a letter, not before one) to final sigma. Python's exact Final_Sigma rule also skips
// case-ignorable marks between the sigma and its neighbours; that refinement is left out.
std::u32string to_lower(std::u32string_view text);

}  // namespace seedgrid::unicode
