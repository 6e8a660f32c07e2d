#pragma once
// A CLIP-style byte-level BPE vocabulary learned from a corpus, written in exactly the file
// formats of openai/clip-vit-large-patch14's tokenizer (vocab.json, merges.txt), so the real CLIP
// tokenizer code loads it:
//   ids 0..255     the 256 byte symbols of CLIP's bytes_to_unicode(), in its order
//   ids 256..511   the same symbols with "</w>" (end of word)
//   then           one token per merge, in merge order (the concatenation of the pair)
//   last two       "<|startoftext|>", "<|endoftext|>"
// merges.txt: "#version: 0.2", then one "left right" pair per line in rank order.
//
// Learning: the corpus is lowercased and split into runs of ASCII letters (CLIP's pre-tokenizer
// keeps letter runs together; digits are single tokens and never merged). Each word is its
// characters with "</w>" on the last. Repeatedly the most frequent adjacent pair is merged, ties
// broken by the smaller (left, right) in bytewise order; a pair whose concatenation is already a
// token is skipped, so every token is unique. Deterministic, and stops early when nothing is left
// to merge.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seedgrid {

struct BpeVocabulary {
  std::vector<std::string> tokens;                          // index = id
  std::vector<std::pair<std::string, std::string>> merges;  // rank order
  int bos_id() const { return static_cast<int>(tokens.size()) - 2; }
  int eos_id() const { return static_cast<int>(tokens.size()) - 1; }
};

// CLIP's bytes_to_unicode() values (UTF-8), in the order it lists them.
std::vector<std::string> clip_byte_symbols();

// `target_size` counts every token (512 byte symbols, merges, 2 special tokens); the result has
// fewer when the corpus runs out of pairs.
BpeVocabulary learn_bpe_vocabulary(std::string_view corpus, int target_size);

std::string bpe_vocab_json(const BpeVocabulary& vocab);
std::string bpe_merges_txt(const BpeVocabulary& vocab);

}  // namespace seedgrid
