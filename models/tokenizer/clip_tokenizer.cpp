#include "models/tokenizer/clip_tokenizer.hpp"

#include <algorithm>
#include <cstdint>

#include "models/json/config_reader.hpp"
#include "models/json/json_parse.hpp"
#include "models/tokenizer/byte_symbols.hpp"
#include "models/tokenizer/clip_pre_tokenizer.hpp"
#include "models/tokenizer/unicode_text.hpp"

namespace seedgrid {

namespace {

constexpr std::string_view kWordEnd = "</w>";

// A word's BPE symbols before merging: one per byte, "</w>" appended to the last.
std::vector<std::string> initial_symbols(std::string_view piece) {
  std::vector<std::string> symbols;
  symbols.reserve(piece.size());
  for (char c : piece) symbols.push_back(byte_symbols()[static_cast<unsigned char>(c)]);
  if (!symbols.empty()) symbols.back() += kWordEnd;
  return symbols;
}

}  // namespace

Result<ClipTokenizer> ClipTokenizer::load(const std::string& vocab_path,
                                          const std::string& merges_path,
                                          const ClipTokenizerOptions& options) {
  auto root = json::parse_file(vocab_path);
  if (!root) return context(root.error(), "loading the CLIP vocabulary");
  if (!root->is_object())
    return fail(vocab_path, ": a CLIP vocabulary must be a JSON object of token -> id, found ",
                json::kind_name(root->kind()));
  ClipTokenizer tok;
  for (const auto& [symbol, id] : root->as_object()) {
    if (!id.is_integer() || id.as_int() < 0 || id.as_int() > INT32_MAX)
      return fail(vocab_path, ": token '", symbol, "' has id ", json::brief(id),
                  ", expected an integer in [0, 2^31)");
    tok.vocab_[symbol] = static_cast<std::int32_t>(id.as_int());
  }
  auto merges = BpeMerges::load(merges_path, options.max_merges);
  if (!merges) return context(merges.error(), "loading the CLIP tokenizer");
  tok.merges_ = std::move(*merges);
  auto special = [&](std::string_view name) -> Result<std::int32_t> {
    const std::int32_t id = tok.id_of(name);
    if (id < 0) return fail(vocab_path, ": the vocabulary has no '", std::string(name), "' token");
    return id;
  };
  auto bos = special(kStartOfText);
  if (!bos) return pass_on(bos);
  auto eos = special(kEndOfText);
  if (!eos) return pass_on(eos);
  auto pad = special(options.pad_token);
  if (!pad) return context(pad.error(), "the pad token");
  tok.bos_ = *bos;
  tok.eos_ = *eos;
  tok.pad_ = *pad;
  return tok;
}

std::int32_t ClipTokenizer::id_of(std::string_view symbol) const {
  const auto it = vocab_.find(std::string(symbol));
  return it == vocab_.end() ? -1 : it->second;
}

Result<std::vector<std::int32_t>> ClipTokenizer::tokenize(std::string_view text) const {
  auto cleaned = clean_prompt_text(text);
  if (!cleaned) return context(cleaned.error(), "tokenizing the prompt");
  std::vector<std::int32_t> ids;
  for (const std::string& piece : clip_pre_tokenize(*cleaned)) {
    if (piece == kStartOfText || piece == kEndOfText) {
      ids.push_back(piece == kStartOfText ? bos_ : eos_);
      continue;
    }
    for (const std::string& symbol : merges_.merge(initial_symbols(piece))) {
      const std::int32_t id = id_of(symbol);
      ids.push_back(id < 0 ? eos_ : id);
    }
  }
  return ids;
}

Result<TokenizedPrompt> ClipTokenizer::encode(std::string_view text, int context_length) const {
  if (context_length < 2)
    return fail("a context of ", context_length, " tokens cannot hold the start and end tokens");
  auto tokens = tokenize(text);
  if (!tokens) return pass_on(tokens);
  const auto room = static_cast<std::size_t>(context_length - 2);
  TokenizedPrompt out;
  out.token_count = static_cast<int>(tokens->size());
  out.dropped_tokens = tokens->size() > room ? static_cast<int>(tokens->size() - room) : 0;
  out.ids.reserve(static_cast<std::size_t>(context_length));
  out.ids.push_back(bos_);
  out.ids.insert(out.ids.end(), tokens->begin(),
                 tokens->begin() + static_cast<std::ptrdiff_t>(std::min(room, tokens->size())));
  out.ids.push_back(eos_);
  out.ids.resize(static_cast<std::size_t>(context_length), pad_);
  return out;
}

}  // namespace seedgrid
