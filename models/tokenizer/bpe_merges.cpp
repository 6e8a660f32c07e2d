#include "models/tokenizer/bpe_merges.hpp"

#include <fstream>
#include <limits>
#include <sstream>

namespace seedgrid {

namespace {

std::string_view trim(std::string_view s) {
  const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string pair_key(std::string_view left, std::string_view right) {
  std::string key;
  key.reserve(left.size() + right.size() + 1);
  key.append(left).push_back(' ');
  key.append(right);
  return key;
}

}  // namespace

Result<BpeMerges> BpeMerges::load(const std::string& path, std::size_t max_merges) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open BPE merges file ", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::string_view rest = trim(text);
  BpeMerges merges;
  std::size_t line_no = 0;
  std::int32_t rank = 0;
  while (!rest.empty() && static_cast<std::size_t>(rank) < max_merges) {
    const auto eol = rest.find('\n');
    std::string_view line = trim(rest.substr(0, eol));
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    if (++line_no == 1) continue;
    // An empty line still takes a rank (it can never match), as in the Python tokenizers.
    const std::int32_t this_rank = rank++;
    if (line.empty()) continue;
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos)
      return fail(path, ":", line_no, ": a merge needs two symbols separated by a space, found '",
                  std::string(line), "'");
    const std::string_view left = line.substr(0, space);
    const std::string_view right = trim(line.substr(space + 1));
    if (right.empty() || right.find_first_of(" \t") != std::string_view::npos)
      return fail(path, ":", line_no, ": a merge needs exactly two symbols, found '",
                  std::string(line), "'");
    // A repeated pair keeps its last rank, as Python's dict(zip(merges, range(n))) does.
    merges.ranks_[pair_key(left, right)] = this_rank;
  }
  return merges;
}

std::vector<std::string> BpeMerges::merge(std::vector<std::string> word) const {
  constexpr std::int32_t kUnranked = std::numeric_limits<std::int32_t>::max();
  while (word.size() > 1) {
    std::int32_t best = kUnranked;
    std::size_t best_at = 0;
    for (std::size_t k = 0; k + 1 < word.size(); ++k) {
      const auto it = ranks_.find(pair_key(word[k], word[k + 1]));
      if (it != ranks_.end() && it->second < best) {
        best = it->second;
        best_at = k;
      }
    }
    if (best == kUnranked) break;
    const std::string left = word[best_at], right = word[best_at + 1];
    std::vector<std::string> merged;
    merged.reserve(word.size());
    for (std::size_t k = 0; k < word.size(); ++k) {
      if (k + 1 < word.size() && word[k] == left && word[k + 1] == right) {
        merged.push_back(left + right);
        ++k;
      } else {
        merged.push_back(std::move(word[k]));
      }
    }
    word = std::move(merged);
  }
  return word;
}

}  // namespace seedgrid
