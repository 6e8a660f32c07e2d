#pragma once
// The CLIP tokenizer (openai/CLIP simple_tokenizer.py and transformers' CLIPTokenizer semantics):
// vocab.json + merges.txt, text cleanup and pre-tokenization (clip_pre_tokenizer.hpp: ftfy and HTML
// unescaping are NOT applied), byte-to-unicode symbols, BPE with "</w>" on each word's last symbol,
// then BOS + tokens + EOS padded to the context length. A symbol missing from the vocabulary maps
// to the unknown token, "<|endoftext|>", as in transformers.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/result.hpp"
#include "models/tokenizer/bpe_merges.hpp"

namespace seedgrid {

struct TokenizedPrompt {
  std::vector<std::int32_t> ids;  // exactly context_length ids: BOS, tokens, EOS, padding
  int token_count = 0;            // the prompt's tokens before truncation (without BOS and EOS)
  int dropped_tokens = 0;         // how many of them were cut to fit; 0 when the prompt fit
};

struct ClipTokenizerOptions {
  // The token that fills the context after EOS: "<|endoftext|>" for SD 1.x; SD 2.x's tokenizer
  // pads with "!".
  std::string pad_token = "<|endoftext|>";
  // CLIP's tokenizers read at most 49152 - 256 - 2 merges.
  std::size_t max_merges = 48894;
};

class ClipTokenizer {
 public:
  static Result<ClipTokenizer> load(const std::string& vocab_path, const std::string& merges_path,
                                    const ClipTokenizerOptions& options = {});

  // The prompt's token ids, without BOS/EOS and without truncation. Fails only on malformed UTF-8.
  Result<std::vector<std::int32_t>> tokenize(std::string_view text) const;
  // BOS, the first context_length - 2 tokens, EOS, then pad ids up to context_length; the result
  // says how many tokens did not fit.
  Result<TokenizedPrompt> encode(std::string_view text, int context_length = 77) const;

  std::int32_t bos_id() const { return bos_; }
  std::int32_t eos_id() const { return eos_; }
  std::int32_t pad_id() const { return pad_; }
  std::size_t vocab_size() const { return vocab_.size(); }
  // The id of one vocabulary entry (a BPE symbol such as "cat</w>"), or -1.
  std::int32_t id_of(std::string_view symbol) const;

 private:
  std::unordered_map<std::string, std::int32_t> vocab_;  // lookup only, never iterated
  BpeMerges merges_;
  std::int32_t bos_ = 0, eos_ = 0, pad_ = 0;
};

}  // namespace seedgrid
