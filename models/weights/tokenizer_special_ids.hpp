#pragma once
// The special token ids of a CLIP tokenizer folder, which is where they are defined: transformers'
// text encoder config.json often carries placeholder ids (SD 1.5's says bos 0, eos 2, pad 1), and
// SD 2.x pads with "!" rather than the end token.
#include <string>

#include "models/result.hpp"

namespace seedgrid {

struct TokenizerSpecialIds {
  int bos = 0;  // "<|startoftext|>"
  int eos = 0;  // "<|endoftext|>"
  int pad = 0;  // special_tokens_map.json's (or tokenizer_config.json's) pad_token; eos if none
  int vocab_size = 0;  // entries in vocab.json (ids are 0 .. vocab_size-1)
};

// Reads vocab.json (a JSON object token -> id, with unique ids 0..n-1) and the optional
// special_tokens_map.json / tokenizer_config.json beside it.
Result<TokenizerSpecialIds> read_tokenizer_special_ids(const std::string& vocab_path);

}  // namespace seedgrid
