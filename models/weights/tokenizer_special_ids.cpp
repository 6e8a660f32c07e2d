#include "models/weights/tokenizer_special_ids.hpp"

#include <filesystem>
#include <vector>

#include "models/json/json_parse.hpp"

namespace seedgrid {

namespace {

// pad_token as transformers writes it: a string, or an AddedToken object with "content".
Result<std::string> pad_token_of(const std::string& path) {
  auto root = json::parse_file(path);
  if (!root) return pass_on(root);
  const json::Value* pad = root->find("pad_token");
  if (!pad || pad->is_null()) return std::string();
  if (pad->is_string()) return pad->as_string();
  if (const json::Value* content = pad->find("content"); content && content->is_string())
    return content->as_string();
  return fail(path, ": \"pad_token\" must be a string or an object with \"content\"");
}

}  // namespace

Result<TokenizerSpecialIds> read_tokenizer_special_ids(const std::string& vocab_path) {
  auto vocab = json::parse_file(vocab_path);
  if (!vocab) return pass_on(vocab);
  if (!vocab->is_object()) return fail(vocab_path, ": expected a JSON object of token -> id");
  const auto& members = vocab->as_object();
  std::vector<bool> seen(members.size(), false);
  for (const auto& [token, id] : members) {
    if (!id.is_integer() || id.as_int() < 0 ||
        id.as_int() >= static_cast<std::int64_t>(members.size()))
      return fail(vocab_path, ": token \"", token, "\" has id ",
                  id.is_integer() ? std::to_string(id.as_int()) : "(not an integer)",
                  ", expected an integer in [0, ", members.size(), ")");
    if (seen[static_cast<std::size_t>(id.as_int())])
      return fail(vocab_path, ": id ", id.as_int(), " is given to two tokens (one is \"", token,
                  "\")");
    seen[static_cast<std::size_t>(id.as_int())] = true;
  }
  const auto id_of = [&](std::string_view token) -> Result<int> {
    const json::Value* v = vocab->find(token);
    if (!v) return fail(vocab_path, ": the vocabulary has no \"", token, "\" token");
    return static_cast<int>(v->as_int());
  };
  TokenizerSpecialIds ids;
  ids.vocab_size = static_cast<int>(members.size());
  auto bos = id_of("<|startoftext|>");
  auto eos = id_of("<|endoftext|>");
  if (!bos) return pass_on(bos);
  if (!eos) return pass_on(eos);
  ids.bos = *bos;
  ids.eos = *eos;
  ids.pad = *eos;
  const std::filesystem::path dir = std::filesystem::path(vocab_path).parent_path();
  for (const char* file : {"special_tokens_map.json", "tokenizer_config.json"}) {
    const std::string path = (dir / file).string();
    if (!std::filesystem::exists(path)) continue;
    auto pad = pad_token_of(path);
    if (!pad) return pass_on(pad);
    if (pad->empty()) continue;
    const json::Value* v = vocab->find(*pad);
    if (!v) return fail(path, ": pad_token \"", *pad, "\" is not in ", vocab_path);
    ids.pad = static_cast<int>(v->as_int());
    break;
  }
  return ids;
}

}  // namespace seedgrid
