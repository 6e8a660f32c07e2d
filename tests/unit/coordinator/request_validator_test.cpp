// Every parameter of a request is checked at submit against the network's caps and its model's own
// limits (models/pipeline/render_limits.hpp); each refusal names the parameter, the value and the
// rule.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "actors/coordinator/request_validator.hpp"

namespace seedgrid::coordinator {
namespace {

using protocol::ErrorCode;

const std::string kModel(64, 'a');
const Identity kClient = Identity::from_seed({12});

ModelCatalog catalog() {
  ModelCatalog c;
  c.add({kModel, "tiny", "creator:test", 43'200}, RenderLimits{8, 16});
  return c;
}

protocol::GenerateRequest request() {
  protocol::GenerateRequest r;
  r.request_id = "r1";
  r.model_id = kModel;
  r.prompt = "a red fox";
  r.steps = 4;
  r.width = 64;
  r.height = 64;
  return r;
}

struct Refusal {
  ErrorCode code;
  std::string reason;
};

template <class Change>
Refusal refusal(Change change) {
  auto r = request();
  change(r);
  protocol::sign_request(r, kClient);
  const auto reply = validate_request(r, catalog(), config::RequestLimits{}, false);
  return {reply.code, reply.reason};
}

#define EXPECT_REFUSED(change, expected_code, ...)                             \
  do {                                                                         \
    const Refusal got = refusal([](protocol::GenerateRequest& r) { change; }); \
    EXPECT_EQ(got.code, expected_code) << got.reason;                          \
    for (const char* part : {__VA_ARGS__})                                     \
      EXPECT_NE(got.reason.find(part), std::string::npos)                      \
          << "'" << got.reason << "' lacks '" << part << "'";                  \
  } while (0)

TEST(RequestValidator, AValidRequestPasses) {
  EXPECT_EQ(refusal([](protocol::GenerateRequest&) {}).code, ErrorCode::ok);
  EXPECT_EQ(refusal([](protocol::GenerateRequest& r) { r.width = 4096; }).code, ErrorCode::ok);
  EXPECT_EQ(refusal([](protocol::GenerateRequest& r) { r.height = 16; }).code, ErrorCode::ok);
}

TEST(RequestValidator, SizesTheModelCannotRenderAreRefused) {
  EXPECT_REFUSED(r.width = 72, ErrorCode::invalid_size, "width 72", "multiple of 16", "try 64",
                 "model tiny");
  EXPECT_REFUSED(r.width = 8, ErrorCode::invalid_size, "width 8", "outside [16, 4096]");
  EXPECT_REFUSED(r.height = 72, ErrorCode::invalid_size, "height 72", "multiple of 16");
  EXPECT_REFUSED(r.height = 8, ErrorCode::invalid_size, "height 8", "outside [16, 4096]");
  EXPECT_REFUSED(r.width = 70, ErrorCode::invalid_size, "width", "multiple of 8", "got 70");
  EXPECT_REFUSED(r.width = 4104, ErrorCode::invalid_size, "width", "4096", "got 4104");
  EXPECT_REFUSED(r.height = 0, ErrorCode::invalid_size, "height", "got 0");
}

TEST(RequestValidator, StepsGuidanceSamplerAndScheduleAreRefused) {
  EXPECT_REFUSED(r.steps = 0, ErrorCode::invalid_steps, "steps", "got 0");
  EXPECT_REFUSED(r.steps = 151, ErrorCode::invalid_steps, "steps", "150", "got 151");
  EXPECT_REFUSED(r.guidance = std::numeric_limits<float>::quiet_NaN(), ErrorCode::invalid_guidance,
                 "guidance", "nan");
  EXPECT_REFUSED(r.guidance = std::numeric_limits<float>::infinity(), ErrorCode::invalid_guidance,
                 "guidance", "inf");
  EXPECT_REFUSED(r.guidance = -1.0f, ErrorCode::invalid_guidance, "guidance", "-1");
  EXPECT_REFUSED(r.guidance = 31.0f, ErrorCode::invalid_guidance, "guidance", "31");
  EXPECT_REFUSED(r.sampler = "plms", ErrorCode::unknown_sampler, "'plms'", "euler");
  EXPECT_REFUSED(
      {
        r.sampler = "ddim";
        r.karras = true;
      },
      ErrorCode::invalid_request, "ddim", "Karras");
}

TEST(RequestValidator, CountPromptModelTaskAndIdAreRefused) {
  EXPECT_REFUSED(r.count = 0, ErrorCode::invalid_count, "count", "got 0");
  EXPECT_REFUSED(r.count = 513, ErrorCode::invalid_count, "count", "512", "got 513");
  EXPECT_REFUSED(r.prompt = std::string(2'001, 'x'), ErrorCode::invalid_prompt, "2001 bytes",
                 "2000");
  EXPECT_REFUSED(r.negative_prompt = "\xff", ErrorCode::invalid_prompt, "negative prompt", "UTF-8");
  EXPECT_REFUSED(r.model_id = std::string(64, 'b'), ErrorCode::unknown_model, "bbbb");
  EXPECT_REFUSED(r.model_id = "tiny", ErrorCode::unknown_model, "'tiny'");
  EXPECT_REFUSED(r.task_type = "img2img", ErrorCode::unknown_task_type, "'img2img'");
  EXPECT_REFUSED(r.request_id = "a/b", ErrorCode::invalid_request, "'a/b'");
  // "." and ".." would be removed from a /v1/requests/ID URL by every URL library.
  EXPECT_REFUSED(r.request_id = "..", ErrorCode::invalid_request, "'..'", "letter or a digit");
  EXPECT_REFUSED(r.request_id = ".", ErrorCode::invalid_request, "'.'");
  EXPECT_REFUSED(r.request_id = "-x", ErrorCode::invalid_request, "'-x'");
}

TEST(RequestValidator, AJobIsJudgedByItsModelsLimits) {
  auto spec = protocol::job_spec_of(request(), 0);
  EXPECT_TRUE(validate_job_for_model(spec, catalog()).ok());
  spec.width = 72;
  const auto reply = validate_job_for_model(spec, catalog());
  EXPECT_EQ(reply.code, ErrorCode::invalid_size);
  EXPECT_NE(reply.reason.find("width 72 is not a multiple of 16"), std::string::npos)
      << reply.reason;
  spec.task_type = "instant";  // renders any size: no model limits apply
  EXPECT_TRUE(validate_job_for_model(spec, catalog()).ok());
}

TEST(RenderLimits, DeclaredSizeMultiplesArePowersOfTwoFrom8) {
  EXPECT_EQ(render_limits_of_size_multiple(64)->size_multiple, 64);
  for (int bad : {0, 4, 48, 8192}) {
    const auto l = render_limits_of_size_multiple(bad);
    ASSERT_FALSE(l) << bad;
    EXPECT_NE(l.error().message.find("got " + std::to_string(bad)), std::string::npos)
        << l.error().message;
  }
}

}  // namespace
}  // namespace seedgrid::coordinator
