#pragma once
// Code point tables behind unicode_text.hpp, generated from Python's Unicode database by
// gen_unicode_tables.py (CLIP's tokenizer is defined by Python's regex module and str.lower()).
#include <cstdint>
#include <span>
#include <string_view>

namespace seedgrid::unicode_tables {

struct CodePointRange {
  char32_t first;
  char32_t last;  // inclusive
};

// Every `stride`-th code point in [first, last] lower-cases to itself + delta.
struct LowerRun {
  char32_t first;
  char32_t last;
  std::int32_t delta;
  std::int32_t stride;
};

// Sorted, disjoint.
std::span<const CodePointRange> letters();  // general category L*
std::span<const CodePointRange> numbers();  // general category N*
std::span<const CodePointRange> spaces();   // Python's str.isspace()
std::span<const LowerRun> lower_runs();

}  // namespace seedgrid::unicode_tables
