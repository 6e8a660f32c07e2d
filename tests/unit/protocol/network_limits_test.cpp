// The limits a coordinator applies at submit and publishes in its status report: each refusal
// names the field, its value and the limit, with the code the coordinator answers.
#include "runtime/base/protocol/network_limits.hpp"

#include <gtest/gtest.h>

namespace seedgrid::protocol {
namespace {

GenerateRequest within() {
  GenerateRequest r;
  r.count = 2;
  r.width = r.height = 512;
  r.steps = 30;
  r.guidance = 7.5f;
  r.prompt = "a fox";
  return r;
}

TEST(NetworkLimits, ARequestWithinThemPasses) {
  EXPECT_TRUE(check_network_limits(within(), NetworkLimits{}).ok());
  GenerateRequest lines = within();
  lines.prompt = "a fox,\n\tin snow\r\n";
  EXPECT_TRUE(check_network_limits(lines, NetworkLimits{}).ok()) << "tabs and line breaks are text";
}

TEST(NetworkLimits, EachLimitIsNamedWithTheValueAndItsCode) {
  NetworkLimits limits;
  limits.max_steps = 60;
  limits.max_width = 1024;
  const struct {
    void (*edit)(GenerateRequest&);
    ErrorCode code;
    const char* reason;
  } cases[] = {
      {[](GenerateRequest& r) { r.count = 0; }, ErrorCode::invalid_count,
       "count must be from 1 to 512, got 0"},
      {[](GenerateRequest& r) { r.width = 2048; }, ErrorCode::invalid_size,
       "width must be a multiple of 8 from 8 to 1024, got 2048"},
      {[](GenerateRequest& r) { r.height = 500; }, ErrorCode::invalid_size,
       "height must be a multiple of 8"},
      {[](GenerateRequest& r) { r.steps = 61; }, ErrorCode::invalid_steps,
       "steps must be from 1 to 60, got 61"},
      {[](GenerateRequest& r) { r.guidance = 31.0f; }, ErrorCode::invalid_guidance,
       "guidance must be a finite number from 0 to 30"},
      {[](GenerateRequest& r) { r.prompt = std::string(2001, 'a'); }, ErrorCode::invalid_prompt,
       "prompt is 2001 bytes, at most 2000 are accepted"},
      {[](GenerateRequest& r) { r.negative_prompt = "\xff"; }, ErrorCode::invalid_prompt,
       "negative prompt is not valid UTF-8"},
      {[](GenerateRequest& r) { r.prompt = std::string("a fox", 5) + '\0' + "tail"; },
       ErrorCode::invalid_prompt, "prompt holds the control character U+0000 at byte 5"},
      {[](GenerateRequest& r) { r.negative_prompt = "blur\x1b[2J"; }, ErrorCode::invalid_prompt,
       "negative prompt holds the control character U+001B at byte 4"},
      {[](GenerateRequest& r) { r.prompt = "fox \xC2\x85tail"; }, ErrorCode::invalid_prompt,
       "prompt holds the control character U+0085 at byte 4"},
  };
  for (const auto& c : cases) {
    GenerateRequest r = within();
    c.edit(r);
    const Reply reply = check_network_limits(r, limits);
    EXPECT_EQ(reply.code, c.code) << c.reason;
    EXPECT_NE(reply.reason.find(c.reason), std::string::npos) << reply.reason;
  }
}

}  // namespace
}  // namespace seedgrid::protocol
