#pragma once
// A checkpoint's tokenizer folder: vocab.json and merges.txt, plus special_tokens_map.json when the
// folder has one (diffusers' SD 2.x tokenizers pad with "!" rather than "<|endoftext|>"; its
// pad_token says so).
#include <string>

#include "models/result.hpp"
#include "models/tokenizer/clip_tokenizer.hpp"

namespace seedgrid {

Result<ClipTokenizer> load_clip_tokenizer(const std::string& vocab_path,
                                          const std::string& merges_path);

}  // namespace seedgrid
