#pragma once
// Byte-pair merging with ranked merges (merges.txt): the word's symbols are repeatedly merged at
// every occurrence of the lowest-ranked adjacent pair until no adjacent pair has a rank, exactly
// as openai/CLIP's `bpe()` does.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/result.hpp"

namespace seedgrid {

class BpeMerges {
 public:
  BpeMerges() = default;
  // merges.txt: the first line (the "#version: 0.2" header) is skipped and at most `max_merges`
  // lines are read after it, as CLIP's tokenizers do; each other line is "left right".
  static Result<BpeMerges> load(const std::string& path, std::size_t max_merges);

  // symbols: the word's symbols in order (each one UTF-8 string). Returns the merged symbols.
  std::vector<std::string> merge(std::vector<std::string> symbols) const;
  std::size_t size() const { return ranks_.size(); }

 private:
  // Lookup only, never iterated: the key is "left right" (symbols never hold a space).
  std::unordered_map<std::string, std::int32_t> ranks_;
};

}  // namespace seedgrid
