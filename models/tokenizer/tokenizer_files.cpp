#include "models/tokenizer/tokenizer_files.hpp"

#include <filesystem>

#include "models/json/json_parse.hpp"

namespace seedgrid {

namespace {

// pad_token is a string, or an AddedToken object {"content": "!", ...}.
Result<std::string> pad_token_of(const std::filesystem::path& map_path) {
  auto root = json::parse_file(map_path.string());
  if (!root) return pass_on(root);
  const json::Value* pad = root->find("pad_token");
  if (pad == nullptr) return std::string(ClipTokenizerOptions{}.pad_token);
  if (pad->is_string()) return pad->as_string();
  if (const json::Value* content = pad->find("content"); content && content->is_string())
    return content->as_string();
  return fail(map_path.string(),
              ": pad_token must be a string or an object with a \"content\" string");
}

}  // namespace

Result<ClipTokenizer> load_clip_tokenizer(const std::string& vocab_path,
                                          const std::string& merges_path) {
  ClipTokenizerOptions options;
  const auto map_path = std::filesystem::path(vocab_path).parent_path() / "special_tokens_map.json";
  std::error_code ec;
  if (std::filesystem::exists(map_path, ec)) {
    auto pad = pad_token_of(map_path);
    if (!pad) return context(pad.error(), "reading the tokenizer's special tokens");
    options.pad_token = std::move(*pad);
  }
  return ClipTokenizer::load(vocab_path, merges_path, options);
}

}  // namespace seedgrid
