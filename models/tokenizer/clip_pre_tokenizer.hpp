#pragma once
// CLIP's text cleanup and pre-tokenization, as openai/CLIP's simple_tokenizer.py does it:
//   clean:  collapse runs of whitespace to one space, strip, lower-case (Python semantics).
//           ftfy.fix_text and html.unescape, which the Python tokenizer also applies, are not
//           implemented: text with mojibake or HTML entities tokenizes as written.
//   split:  the pattern
//           <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//           scanned by hand, alternatives tried in that order at each position; whitespace
//           between matches is dropped.
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid {

inline constexpr std::string_view kStartOfText = "<|startoftext|>";
inline constexpr std::string_view kEndOfText = "<|endoftext|>";

// Fails only on malformed UTF-8.
Result<std::u32string> clean_prompt_text(std::string_view text);

// The pieces of cleaned text, as UTF-8.
std::vector<std::string> clip_pre_tokenize(std::u32string_view cleaned);

}  // namespace seedgrid
