#include "models/result.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

Result<int> raised_with_code(std::uint16_t code) {
  return std::unexpected(Error{"tensor w has 3 dimensions, expected 4", code});
}

Result<int> loading(std::uint16_t code) {
  auto r = raised_with_code(code);
  if (!r) return context(r.error(), "loading ", "unet.safetensors");
  return r;
}

TEST(Result, ContextPrefixesTheMessageAndKeepsTheCodeTheErrorWasRaisedWith) {
  const auto r = loading(306);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "loading unet.safetensors: tensor w has 3 dimensions, expected 4");
  EXPECT_EQ(r.error().code, 306);
}

TEST(Result, AnErrorRaisedWithoutACodeHasNone) {
  const Result<void> r = fail("model ", 7, " not found");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "model 7 not found");
  EXPECT_EQ(r.error().code, 0);
  EXPECT_EQ(loading(0).error().code, 0);
}

}  // namespace
}  // namespace seedgrid
