#include "models/tokenizer/unicode_text.hpp"

#include <gtest/gtest.h>

#include "models/tokenizer/byte_symbols.hpp"

namespace seedgrid {
namespace {

TEST(UnicodeText, DecodesAndEncodesUtf8) {
  const std::string text = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
  auto cps = unicode::decode_utf8(text);
  ASSERT_TRUE(cps) << cps.error().message;
  EXPECT_EQ(*cps, (std::u32string{U'a', 0xE9, 0x65E5, 0x1F600}));
  EXPECT_EQ(unicode::encode_utf8(*cps), text);
}

TEST(UnicodeText, RejectsMalformedUtf8NamingTheByte) {
  for (std::string bad :
       {std::string("ab\xFF"), std::string("\xC3"), std::string("x\xE6\x97"),
        std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xC3(")}) {
    auto r = unicode::decode_utf8(bad);
    ASSERT_FALSE(r) << "accepted " << bad.size() << " bytes";
    EXPECT_NE(r.error().message.find("byte"), std::string::npos) << r.error().message;
  }
}

TEST(UnicodeText, ClassifiesLettersNumbersAndSpaces) {
  for (char32_t letter : {U'a', U'Z', char32_t{0xE9}, char32_t{0x436}, char32_t{0x3B1},
                          char32_t{0x65E5}, char32_t{0x3042}, char32_t{0x5D0}, char32_t{0x627}})
    EXPECT_TRUE(unicode::is_letter(letter)) << std::hex << static_cast<std::uint32_t>(letter);
  for (char32_t number :
       {U'0', U'9', char32_t{0x663}, char32_t{0xBD}, char32_t{0x216B}, char32_t{0xFF15}})
    EXPECT_TRUE(unicode::is_number(number)) << std::hex << static_cast<std::uint32_t>(number);
  for (char32_t space :
       {U' ', U'\t', U'\n', char32_t{0xA0}, char32_t{0x3000}, char32_t{0x2028}, char32_t{0x1C}})
    EXPECT_TRUE(unicode::is_space(space)) << std::hex << static_cast<std::uint32_t>(space);
  for (char32_t other : {U'!', U',', U'\'', char32_t{0x1F600}, char32_t{0x301}, U'_'}) {
    EXPECT_FALSE(unicode::is_letter(other)) << std::hex << static_cast<std::uint32_t>(other);
    EXPECT_FALSE(unicode::is_number(other)) << std::hex << static_cast<std::uint32_t>(other);
    EXPECT_FALSE(unicode::is_space(other)) << std::hex << static_cast<std::uint32_t>(other);
  }
}

TEST(UnicodeText, LowerCasesLikePython) {
  auto lower = [](std::string s) {
    return unicode::encode_utf8(unicode::to_lower(*unicode::decode_utf8(s)));
  };
  EXPECT_EQ(lower("A Photo OF"), "a photo of");
  EXPECT_EQ(lower("\xC3\x80\xC3\x89"), "\xC3\xA0\xC3\xA9");  // ÀÉ -> àé
  EXPECT_EQ(lower("\xD0\x96\xD0\x98"), "\xD0\xB6\xD0\xB8");  // ЖИ -> жи
  EXPECT_EQ(lower("\xC4\x80\xC4\x81"), "\xC4\x81\xC4\x81");  // Āā -> āā (stride-2 run)
  EXPECT_EQ(lower("\xC4\xB0"), "i\xCC\x87");                 // İ -> i̇
  EXPECT_EQ(lower("\xCE\x9F\xCE\xA3 \xCE\xA3"), "\xCE\xBF\xCF\x82 \xCF\x83");  // ΟΣ Σ -> ος σ
  EXPECT_EQ(lower("\xE6\x97\xA5 123"), "\xE6\x97\xA5 123");                    // no case: unchanged
}

TEST(ByteSymbols, MapsBytesAsGpt2AndClipDo) {
  const auto& table = byte_symbols();
  EXPECT_EQ(table['a'], "a");
  EXPECT_EQ(table['!'], "!");
  EXPECT_EQ(table[' '], "\xC4\xA0");   // U+0120 'Ġ'
  EXPECT_EQ(table['\n'], "\xC4\x8A");  // U+010A 'Ċ'
  EXPECT_EQ(table[0], "\xC4\x80");     // U+0100
  EXPECT_EQ(table[0xAD], "\xC5\x83");  // soft hyphen -> U+0143
  EXPECT_EQ(table[0xE9], "\xC3\xA9");  // printable latin-1 stays itself
  for (int a = 0; a < 256; ++a)
    for (int b = a + 1; b < 256; ++b) ASSERT_NE(table[a], table[b]) << a << " and " << b;
  EXPECT_EQ(bytes_to_symbols("a b"),
            "a\xC4\xA0"
            "b");
}

}  // namespace
}  // namespace seedgrid
