#include "models/tokenizer/clip_tokenizer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "models/tokenizer/byte_symbols.hpp"
#include "models/tokenizer/clip_pre_tokenizer.hpp"
#include "tests/unit/common/test_dir.hpp"

namespace seedgrid {
namespace {

std::vector<std::string> pieces(std::string text) {
  auto cleaned = clean_prompt_text(text);
  EXPECT_TRUE(cleaned) << cleaned.error().message;
  return clip_pre_tokenize(*cleaned);
}

using Pieces = std::vector<std::string>;

TEST(ClipPreTokenizer, CleansWhitespaceAndCase) {
  auto cleaned = clean_prompt_text("  A\t\tRed \n FOX\xC2\xA0 ");
  ASSERT_TRUE(cleaned);
  EXPECT_EQ(*cleaned, U"a red fox");
}

TEST(ClipPreTokenizer, SplitsByClipsPattern) {
  EXPECT_EQ(pieces("a photo of a cat"), (Pieces{"a", "photo", "of", "a", "cat"}));
  EXPECT_EQ(pieces("don't"), (Pieces{"don", "'t"}));
  EXPECT_EQ(pieces("it's we'll they're I'm you'd"),
            (Pieces{"it", "'s", "we", "'ll", "they", "'re", "i", "'m", "you", "'d"}));
  EXPECT_EQ(pieces("hello,world!!"), (Pieces{"hello", ",", "world", "!!"}));
  // Numbers are single characters; letters and numbers never share a piece.
  EXPECT_EQ(pieces("a1b22 4k"), (Pieces{"a", "1", "b", "2", "2", "4", "k"}));
  // A run of symbols swallows an apostrophe that does not start a contraction here.
  EXPECT_EQ(pieces("!!'s"), (Pieces{"!!'", "s"}));
  EXPECT_EQ(pieces("(masterpiece:1.2)"), (Pieces{"(", "masterpiece", ":", "1", ".", "2", ")"}));
  EXPECT_EQ(pieces("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC"),
            (Pieces{"caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC"}));
  EXPECT_EQ(pieces("<|startoftext|>x<|endoftext|>"),
            (Pieces{"<|startoftext|>", "x", "<|endoftext|>"}));
  EXPECT_EQ(pieces("<|StartOfText|>"), (Pieces{"<|startoftext|>"}));
  EXPECT_EQ(pieces("   "), Pieces{});
}

// A vocabulary small enough to derive every tokenization by hand.
class HandVocabulary : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; ++b) vocab.push_back(byte_symbols()[static_cast<std::size_t>(b)]);
    for (int b = 0; b < 256; ++b)
      vocab.push_back(byte_symbols()[static_cast<std::size_t>(b)] + "</w>");
    for (const char* merged : {"he", "ll", "llo</w>", "hello</w>", "aa", "ca", "cat</w>"})
      vocab.push_back(merged);
    vocab.push_back("<|startoftext|>");
    vocab.push_back("<|endoftext|>");
    std::ofstream v(dir_ / "vocab.json");
    v << "{";
    for (std::size_t i = 0; i < vocab.size(); ++i) {
      std::string escaped;
      for (char c : vocab[i]) {
        if (c == '"' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
      }
      v << (i ? "," : "") << "\"" << escaped << "\":" << i;
    }
    v << "}";
    // "l l" outranks "h e": merge order follows rank, not position.
    write_merges("#version: 0.2\nl l\nh e\nll o</w>\nhe llo</w>\na a\nc a\nca t</w>\n");
  }

  void write_merges(const std::string& text) { std::ofstream(dir_ / "merges.txt") << text; }

  ClipTokenizer load(ClipTokenizerOptions options = {}) {
    auto t = ClipTokenizer::load(dir_ / "vocab.json", dir_ / "merges.txt", options);
    if (!t) {
      ADD_FAILURE() << t.error().message;
      return ClipTokenizer{};
    }
    return std::move(*t);
  }

  std::int32_t id(const ClipTokenizer& t, std::string symbol) {
    const std::int32_t i = t.id_of(symbol);
    EXPECT_GE(i, 0) << symbol;
    return i;
  }

  seedgrid::test::TestDir dir_;
};

TEST_F(HandVocabulary, MergesByRank) {
  const ClipTokenizer t = load();
  EXPECT_EQ(t.bos_id(), 512 + 7);
  EXPECT_EQ(t.eos_id(), 512 + 8);
  EXPECT_EQ(t.pad_id(), t.eos_id());
  // h e l l o</w> -> h e ll o</w> -> he ll o</w> -> he llo</w> -> hello</w>
  EXPECT_EQ(*t.tokenize("Hello"), (std::vector<std::int32_t>{id(t, "hello</w>")}));
  // a a a a</w>: "a a" merges left to right without overlap -> aa a a</w>; (a, a</w>) has no rank.
  EXPECT_EQ(*t.tokenize("aaaa"),
            (std::vector<std::int32_t>{id(t, "aa"), id(t, "a"), id(t, "a</w>")}));
  // c a t</w> -> ca t</w> -> cat</w>; "cats" ends in s</w>, so only "ca" merges.
  EXPECT_EQ(*t.tokenize("cat cats"),
            (std::vector<std::int32_t>{id(t, "cat</w>"), id(t, "ca"), id(t, "t"), id(t, "s</w>")}));
  // Bytes outside ASCII go through the byte symbols: é is C3 A9 -> "Ã" "©</w>".
  EXPECT_EQ(*t.tokenize("\xC3\xA9"),
            (std::vector<std::int32_t>{id(t, "\xC3\x83"), id(t, "\xC2\xA9</w>")}));
  EXPECT_EQ(*t.tokenize("<|endoftext|>"), (std::vector<std::int32_t>{t.eos_id()}));
}

TEST_F(HandVocabulary, EncodesWithBosEosAndPadding) {
  const ClipTokenizer t = load();
  auto e = t.encode("hello cat", 8);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->ids,
            (std::vector<std::int32_t>{t.bos_id(), id(t, "hello</w>"), id(t, "cat</w>"), t.eos_id(),
                                       t.pad_id(), t.pad_id(), t.pad_id(), t.pad_id()}));
  EXPECT_EQ(e->token_count, 2);
  EXPECT_EQ(e->dropped_tokens, 0);
  EXPECT_EQ(t.encode("", 77)->ids.size(), 77u);
}

TEST_F(HandVocabulary, TruncatesAndReportsDroppedTokens) {
  const ClipTokenizer t = load();
  std::string prompt;
  for (int i = 0; i < 80; ++i) prompt += "cat ";
  auto e = t.encode(prompt);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->ids.size(), 77u);
  EXPECT_EQ(e->token_count, 80);
  EXPECT_EQ(e->dropped_tokens, 5);
  EXPECT_EQ(e->ids.front(), t.bos_id());
  EXPECT_EQ(e->ids[75], id(t, "cat</w>"));
  EXPECT_EQ(e->ids.back(), t.eos_id());
  // Exactly 75 tokens fit.
  prompt.clear();
  for (int i = 0; i < 75; ++i) prompt += "cat ";
  EXPECT_EQ(t.encode(prompt)->dropped_tokens, 0);
}

TEST_F(HandVocabulary, PadsWithTheConfiguredToken) {
  ClipTokenizerOptions o;
  o.pad_token = "!";
  const ClipTokenizer t = load(o);
  EXPECT_EQ(t.pad_id(), id(t, "!"));
  EXPECT_EQ(t.encode("cat", 5)->ids.back(), id(t, "!"));
}

TEST_F(HandVocabulary, ReadsAtMostMaxMerges) {
  ClipTokenizerOptions o;
  o.max_merges = 1;  // only "l l"
  const ClipTokenizer t = load(o);
  EXPECT_EQ(*t.tokenize("hello"),
            (std::vector<std::int32_t>{id(t, "h"), id(t, "e"), id(t, "ll"), id(t, "o</w>")}));
}

TEST_F(HandVocabulary, RejectsBadInputWithClearErrors) {
  const ClipTokenizer t = load();
  auto bad = t.encode("caf\xC3");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("UTF-8"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(t.encode("x", 1));

  write_merges("#version: 0.2\nl l\nlonely\n");
  auto r = ClipTokenizer::load(dir_ / "vocab.json", dir_ / "merges.txt");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("merges.txt:3"), std::string::npos) << r.error().message;

  auto missing = ClipTokenizer::load(dir_ / "nope.json", dir_ / "merges.txt");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.json"), std::string::npos);

  std::ofstream(dir_ / "list.json") << "[1, 2]";
  auto list = ClipTokenizer::load(dir_ / "list.json", dir_ / "merges.txt");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("list.json"), std::string::npos);

  write_merges("#version: 0.2\n");
  std::ofstream(dir_ / "nospecial.json") << "{\"a\": 0}";
  auto nospecial = ClipTokenizer::load(dir_ / "nospecial.json", dir_ / "merges.txt");
  ASSERT_FALSE(nospecial);
  EXPECT_NE(nospecial.error().message.find("<|startoftext|>"), std::string::npos);

  ClipTokenizerOptions o;
  o.pad_token = "<pad>";
  auto nopad = ClipTokenizer::load(dir_ / "vocab.json", dir_ / "merges.txt", o);
  ASSERT_FALSE(nopad);
  EXPECT_NE(nopad.error().message.find("<pad>"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid
