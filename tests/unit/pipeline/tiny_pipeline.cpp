#include "tiny_pipeline.hpp"

#include <cstring>

#include "preset_model.hpp"

namespace seedgrid::testing {

CpuBackend* TinyPipelineSuite::backend_ = nullptr;
Pipeline* TinyPipelineSuite::pipeline_ = nullptr;

void TinyPipelineSuite::SetUpTestSuite() {
  backend_ = new CpuBackend(2);
  auto p = Pipeline::load(preset_model("tiny", 0).checkpoint_path, *backend_);
  ASSERT_TRUE(p) << p.error().message;
  pipeline_ = new Pipeline(std::move(*p));
}

void TinyPipelineSuite::TearDownTestSuite() {
  delete pipeline_;
  delete backend_;
  pipeline_ = nullptr;
  backend_ = nullptr;
}

GenerationSpec lighthouse_spec(SamplerKind sampler, float guidance, std::uint64_t seed) {
  GenerationSpec s;
  s.prompt = "a lighthouse at dusk";
  s.negative_prompt = "fog";
  s.seed = seed;
  s.steps = 4;
  s.guidance = guidance;
  s.sampler = sampler;
  s.width = 64;
  s.height = 64;
  return s;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace seedgrid::testing
