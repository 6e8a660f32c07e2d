#include "models/presets/bpe_vocabulary.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "models/json/json_write.hpp"

namespace seedgrid {

namespace {

std::string utf8(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {  // bytes_to_unicode stays below U+0800
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return out;
}

}  // namespace

std::vector<std::string> clip_byte_symbols() {
  std::vector<int> bytes;
  for (int b = '!'; b <= '~'; ++b) bytes.push_back(b);
  for (int b = 0xa1; b <= 0xac; ++b) bytes.push_back(b);
  for (int b = 0xae; b <= 0xff; ++b) bytes.push_back(b);
  std::vector<std::uint32_t> points(bytes.begin(), bytes.end());
  std::set<int> printable(bytes.begin(), bytes.end());
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    if (printable.contains(b)) continue;
    bytes.push_back(b);
    points.push_back(static_cast<std::uint32_t>(256 + n++));
  }
  std::vector<std::string> out;
  for (auto cp : points) out.push_back(utf8(cp));
  return out;
}

BpeVocabulary learn_bpe_vocabulary(std::string_view corpus, int target_size) {
  BpeVocabulary v;
  v.tokens = clip_byte_symbols();
  for (std::size_t i = 0; i < 256; ++i) v.tokens.push_back(v.tokens[i] + "</w>");
  std::map<std::string, int> id;
  for (std::size_t i = 0; i < v.tokens.size(); ++i) id.emplace(v.tokens[i], static_cast<int>(i));

  // Word frequencies; each word as token ids, "</w>" on the last symbol.
  std::map<std::string, int> counts;
  std::string word;
  for (std::size_t i = 0; i <= corpus.size(); ++i) {
    char c = i < corpus.size() ? corpus[i] : ' ';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') {
      word.push_back(c);
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  std::vector<std::pair<std::vector<int>, int>> words;
  for (const auto& [w, n] : counts) {
    std::vector<int> symbols;
    for (std::size_t i = 0; i < w.size(); ++i)
      symbols.push_back(id.at(std::string(1, w[i]) + (i + 1 == w.size() ? "</w>" : "")));
    words.emplace_back(std::move(symbols), n);
  }

  const auto key = [](int a, int b) {
    return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
  };
  const int merges_wanted = target_size - 2 - static_cast<int>(v.tokens.size());
  std::set<std::uint64_t> banned;  // would duplicate a token
  while (static_cast<int>(v.merges.size()) < merges_wanted) {
    std::unordered_map<std::uint64_t, int> pairs;
    for (const auto& [symbols, n] : words)
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
        pairs[key(symbols[i], symbols[i + 1])] += n;
    // The most frequent pair; ties go to the smaller (left, right) strings.
    int left = -1, right = -1, best = 0;
    for (const auto& [k, n] : pairs) {
      if (banned.contains(k)) continue;
      const int a = static_cast<int>(k >> 32), b = static_cast<int>(k & 0xffffffffu);
      const auto& ta = v.tokens[static_cast<std::size_t>(a)];
      const auto& tb = v.tokens[static_cast<std::size_t>(b)];
      if (n > best ||
          (n == best && std::tie(ta, tb) < std::tie(v.tokens[static_cast<std::size_t>(left)],
                                                    v.tokens[static_cast<std::size_t>(right)]))) {
        left = a;
        right = b;
        best = n;
      }
    }
    if (best == 0) break;
    const std::string merged =
        v.tokens[static_cast<std::size_t>(left)] + v.tokens[static_cast<std::size_t>(right)];
    if (id.contains(merged)) {
      banned.insert(key(left, right));
      continue;
    }
    const int merged_id = static_cast<int>(v.tokens.size());
    for (auto& [symbols, n] : words) {
      std::vector<int> out;
      for (std::size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
          out.push_back(merged_id);
          ++i;
        } else {
          out.push_back(symbols[i]);
        }
      }
      symbols = std::move(out);
    }
    v.merges.emplace_back(v.tokens[static_cast<std::size_t>(left)],
                          v.tokens[static_cast<std::size_t>(right)]);
    v.tokens.push_back(merged);
    id.emplace(merged, merged_id);
  }
  v.tokens.push_back("<|startoftext|>");
  v.tokens.push_back("<|endoftext|>");
  return v;
}

std::string bpe_vocab_json(const BpeVocabulary& vocab) {
  json::Object members;
  members.reserve(vocab.tokens.size());
  for (std::size_t i = 0; i < vocab.tokens.size(); ++i)
    members.emplace_back(vocab.tokens[i], static_cast<std::int64_t>(i));
  return json::write(json::Value(std::move(members)));
}

std::string bpe_merges_txt(const BpeVocabulary& vocab) {
  std::string out = "#version: 0.2\n";
  for (const auto& [left, right] : vocab.merges) out += left + " " + right + "\n";
  return out;
}

}  // namespace seedgrid
