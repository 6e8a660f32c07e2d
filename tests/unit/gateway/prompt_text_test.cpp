#include "runtime/gateway/prompt_text.hpp"

#include <gtest/gtest.h>

#include "runtime/base/protocol/network_limits.hpp"

namespace seedgrid::gateway {
namespace {

TEST(PromptText, AControlCharacterIsNamedByItsCharacterPosition) {
  const auto nul = prompt_text_refusal(std::string("a fox", 5) + '\0' + "tail");
  ASSERT_TRUE(nul.has_value());
  EXPECT_NE(nul->find("character 6 (counting from 1) is the control character U+0000"),
            std::string::npos)
      << *nul;
  // Characters, not bytes: each of "ünï" is two bytes of UTF-8.
  const auto bell = prompt_text_refusal("\xC3\xBCn\xC3\xAF\a");
  ASSERT_TRUE(bell.has_value());
  EXPECT_NE(bell->find("character 4 (counting from 1) is the control character U+0007"),
            std::string::npos)
      << *bell;
  EXPECT_TRUE(prompt_text_refusal("blur\x7F").has_value()) << "DEL";
  // A C1 control, two bytes of UTF-8 (C2 9B is CSI, the escape that starts a terminal sequence).
  const auto csi = prompt_text_refusal(
      "\xC3\xBC fox \xC2\x9B"
      "2J");
  ASSERT_TRUE(csi.has_value());
  EXPECT_NE(csi->find("character 7 (counting from 1) is the control character U+009B"),
            std::string::npos)
      << *csi;
}

TEST(PromptText, TabsAndLineBreaksAreText) {
  EXPECT_FALSE(prompt_text_refusal("a fox,\n\tin snow\r\n###blurry"));
  EXPECT_FALSE(prompt_text_refusal("\xE5\xAF\x8C\xE5\xA3\xAB\xE5\xB1\xB1"));
  EXPECT_FALSE(prompt_text_refusal("\xC2\xA0no-break space, \xC2\xA9 sign"));  // C2 A0 on: text
  EXPECT_FALSE(prompt_text_refusal(""));
}

// The gateway says it first in the API's words; the coordinator refuses the same characters from
// every client. The two must not drift apart.
TEST(PromptText, RefusesExactlyWhatTheCoordinatorRefuses) {
  protocol::GenerateRequest r;
  r.count = 1;
  r.width = r.height = 512;
  r.steps = 20;
  for (int b = 0; b < 128; ++b) {
    r.prompt = std::string("a ") + static_cast<char>(b) + " fox";
    EXPECT_EQ(prompt_text_refusal(r.prompt).has_value(),
              !protocol::check_network_limits(r, protocol::NetworkLimits{}).ok())
        << "byte " << b;
  }
  for (int b = 0x80; b < 0xC0; ++b) {  // U+0080 to U+00BF
    r.prompt = std::string("a \xC2") + static_cast<char>(b) + " fox";
    EXPECT_EQ(prompt_text_refusal(r.prompt).has_value(), b <= 0x9F) << "U+00" << std::hex << b;
    EXPECT_EQ(prompt_text_refusal(r.prompt).has_value(),
              !protocol::check_network_limits(r, protocol::NetworkLimits{}).ok())
        << "U+00" << std::hex << b;
  }
}

}  // namespace
}  // namespace seedgrid::gateway
