#include "models/presets/preset.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "models/clip/text_encoder.hpp"
#include "models/json/json_parse.hpp"
#include "models/presets/bpe_vocabulary.hpp"
#include "models/presets/prompt_corpus.hpp"
#include "models/presets/write_preset.hpp"
#include "models/unet/unet.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/vae/vae_config_json.hpp"
#include "models/weights/checkpoint.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using seedgrid::test::TestDir;

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::int64_t count(const std::vector<ParamSpec>& specs) {
  std::int64_t n = 0;
  for (const auto& s : specs) n += shape_numel(s.shape);
  return n;
}

PresetWriteReport write(const std::string& dir, std::uint64_t seed,
                        CheckpointLayout layout = CheckpointLayout::diffusers) {
  PresetWriteOptions o;
  o.preset = "tiny";
  o.seed = seed;
  o.out_dir = dir;
  o.layout = layout;
  auto r = write_preset(o);
  EXPECT_TRUE(r) << r.error().message;
  return r.value_or(PresetWriteReport{});
}

}  // namespace

TEST(BpeVocabulary, ByteSymbolsFollowClipsBytesToUnicode) {
  const auto symbols = clip_byte_symbols();
  ASSERT_EQ(symbols.size(), 256u);
  EXPECT_EQ(symbols[0], "!");
  EXPECT_EQ(symbols[93], "~");
  EXPECT_EQ(symbols[94], "\xc2\xa1");        // U+00A1, byte 0xa1
  EXPECT_EQ(symbols[188], "\xc4\x80");       // byte 0x00 -> U+0100
  EXPECT_EQ(symbols[188 + 32], "\xc4\xa0");  // byte 0x20 (space) -> U+0120 'Ġ'
  EXPECT_EQ(std::set<std::string>(symbols.begin(), symbols.end()).size(), 256u);
}

TEST(BpeVocabulary, LayoutAndMergesAreConsistent) {
  const BpeVocabulary v = learn_bpe_vocabulary(prompt_corpus(), 1024);
  ASSERT_EQ(v.tokens.size(), 1024u) << "the embedded corpus should yield 510 merges";
  EXPECT_EQ(v.merges.size(), 1024u - 512 - 2);
  EXPECT_EQ(v.tokens[256], "!</w>");
  EXPECT_EQ(v.tokens[256 + 64], "a</w>");
  EXPECT_EQ(v.tokens[v.bos_id()], "<|startoftext|>");
  EXPECT_EQ(v.tokens[v.eos_id()], "<|endoftext|>");
  std::map<std::string, std::size_t> id;
  for (std::size_t i = 0; i < v.tokens.size(); ++i)
    EXPECT_TRUE(id.emplace(v.tokens[i], i).second) << "duplicate token " << v.tokens[i];
  for (std::size_t m = 0; m < v.merges.size(); ++m) {
    const auto& [left, right] = v.merges[m];
    EXPECT_EQ(v.tokens[512 + m], left + right);
    // Both halves existed before the merge that joins them.
    EXPECT_LT(id.at(left), 512 + m);
    EXPECT_LT(id.at(right), 512 + m);
    EXPECT_EQ(left.find("</w>"), std::string::npos) << "only the right half can end a word";
  }
  // The first merge is the corpus's most frequent adjacent pair of letters (counted here
  // directly on the text), ties to the alphabetically first.
  std::map<std::pair<std::string, std::string>, int> pairs;
  std::string word;
  for (char c : std::string(prompt_corpus()) + " ") {
    if (c >= 'a' && c <= 'z') {
      word.push_back(c);
      continue;
    }
    for (std::size_t i = 0; i + 1 < word.size(); ++i)
      ++pairs[{std::string(1, word[i]),
               std::string(1, word[i + 1]) + (i + 2 == word.size() ? "</w>" : "")}];
    word.clear();
  }
  auto top = pairs.begin();
  for (auto it = pairs.begin(); it != pairs.end(); ++it)
    if (it->second > top->second) top = it;
  EXPECT_EQ(v.merges[0], top->first);

  const std::string merges = bpe_merges_txt(v);
  EXPECT_TRUE(
      merges.starts_with("#version: 0.2\n" + v.merges[0].first + " " + v.merges[0].second + "\n"));
  auto vocab = json::parse(bpe_vocab_json(v), "vocab.json");
  ASSERT_TRUE(vocab);
  EXPECT_EQ(vocab->as_object().size(), 1024u);
  EXPECT_EQ(vocab->as_object()[0].first, "!");
  EXPECT_EQ(vocab->find("<|endoftext|>")->as_int(), 1023);
  EXPECT_EQ(learn_bpe_vocabulary(prompt_corpus(), 1024).merges, v.merges);  // deterministic
}

TEST(Presets, SmallVocabularyIsReached) {
  auto p = find_preset("small");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tokenizer.tokens.size(), 2048u);
  EXPECT_EQ(p->text.vocab_size, 2048);
  EXPECT_EQ(p->text.eos_token_id, 2047);
  EXPECT_FALSE(find_preset("huge"));
}

TEST(Presets, Sd15HasTheRealArchitecture) {
  auto p = find_preset("sd15");
  ASSERT_TRUE(p);
  // Parameter counts of runwayml/stable-diffusion-v1-5's three networks.
  EXPECT_EQ(count(UNet::parameters(p->unet).value()), 859520964);
  EXPECT_EQ(count(AutoencoderKL::parameters(p->vae).value()), 83653863);
  EXPECT_EQ(count(ClipTextEncoder::parameters(p->text).value()), 123060480);
  EXPECT_EQ(p->text.vocab_size, 49408);
  EXPECT_EQ(p->default_dtype, DType::f16);
}

TEST(Presets, SameSeedSameBytesDifferentSeedDifferentId) {
  TestDir dir;
  const auto a = write(dir / "a", 7);
  const auto b = write(dir / "b", 7);
  const auto c = write(dir / "c", 8);
  ASSERT_EQ(a.model_id.size(), 64u);
  EXPECT_EQ(a.model_id, b.model_id);
  EXPECT_NE(a.model_id, c.model_id);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "a")) {
    if (!entry.is_regular_file()) continue;
    const auto rel = std::filesystem::relative(entry.path(), dir.path() / "a");
    EXPECT_EQ(file_bytes(entry.path()), file_bytes(dir.path() / "b" / rel)) << rel;
    ++files;
  }
  EXPECT_EQ(files, 12u);  // model_index, 3 x (config + weights), 4 tokenizer files, scheduler
  EXPECT_NE(file_bytes(dir.path() / "a/unet/diffusion_pytorch_model.safetensors"),
            file_bytes(dir.path() / "c/unet/diffusion_pytorch_model.safetensors"));
  ASSERT_EQ(a.components.size(), 3u);
  EXPECT_EQ(a.components[1].component, "unet");
  EXPECT_EQ(a.components[1].bytes, 4 * a.components[1].parameters);
}

TEST(Presets, BothLayoutsGiveTheSameModelId) {
  TestDir dir;
  const auto folder = write(dir / "folder", 3);
  const auto single = write(dir / "single", 3, CheckpointLayout::single_file);
  EXPECT_EQ(folder.model_id, single.model_id);
  EXPECT_EQ(single.checkpoint_path, dir / "single/model.safetensors");
  EXPECT_TRUE(
      std::filesystem::exists(dir / "single/model.safetensors.json"));  // tiny needs a sidecar
  EXPECT_TRUE(std::filesystem::exists(dir / "single/tokenizer/merges.txt"));
}

TEST(Presets, F16WeightsAreTheF32OnesRounded) {
  TestDir dir;
  PresetWriteOptions o;
  o.out_dir = dir / "h";
  o.seed = 3;
  o.dtype = DType::f16;
  auto half = write_preset(o);
  ASSERT_TRUE(half) << half.error().message;
  const auto full = write(dir / "f", 3);
  EXPECT_NE(half->model_id, full.model_id);
  auto h = load_checkpoint(half->checkpoint_path);
  auto f = load_checkpoint(full.checkpoint_path);
  ASSERT_TRUE(h && f);
  const Tensor* hw = h->unet.find("conv_in.weight");
  const Tensor* fw = f->unet.find("conv_in.weight");
  ASSERT_EQ(hw->dtype(), DType::f16);
  const Tensor rounded = host_to_dtype(*fw, DType::f16);
  EXPECT_EQ(std::memcmp(rounded.raw(), hw->raw(), hw->bytes()), 0);
}

TEST(Presets, RefusesNonEmptyOutputDirectory) {
  TestDir dir;
  std::filesystem::create_directories(dir / "out");
  std::ofstream(dir / "out/keep.txt") << "precious";
  PresetWriteOptions o;
  o.out_dir = dir / "out";
  auto r = write_preset(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("refusing to overwrite"), std::string::npos);
  EXPECT_EQ(file_bytes(dir / "out/keep.txt"), "precious");
}

TEST(Presets, WeightsStayInReasonableRanges) {
  TestDir dir;
  const auto r = write(dir / "m", 11);
  auto ck = load_checkpoint(r.checkpoint_path);
  ASSERT_TRUE(ck);
  const Tensor* gamma = ck->unet.find("conv_norm_out.weight");
  const Tensor* conv = ck->unet.find("conv_in.weight");  // fan_in 4*9 = 36
  double mean_gamma = 0, sq = 0;
  for (std::int64_t i = 0; i < gamma->numel(); ++i) mean_gamma += gamma->f32()[i] / gamma->numel();
  for (std::int64_t i = 0; i < conv->numel(); ++i)
    sq += double(conv->f32()[i]) * conv->f32()[i] / conv->numel();
  EXPECT_NEAR(mean_gamma, 1.0, 0.03);
  EXPECT_NEAR(std::sqrt(sq), 1.0 / 6.0, 0.02);
}
