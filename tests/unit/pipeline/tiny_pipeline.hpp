#pragma once
// A test suite's one tiny-preset pipeline on a 2-thread CPU backend, loaded once per suite (a
// fixture derives from TinyPipelineSuite and uses backend_ and pipeline_), and the bytewise
// tensor comparison those suites check determinism with.
#include <gtest/gtest.h>

#include "models/backend/cpu_backend.hpp"
#include "models/pipeline/pipeline.hpp"

namespace seedgrid::testing {

class TinyPipelineSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static CpuBackend* backend_;
  static Pipeline* pipeline_;
};

// A 64x64, 4-step txt2img job on the tiny preset ("a lighthouse at dusk", negative "fog").
GenerationSpec lighthouse_spec(SamplerKind sampler, float guidance, std::uint64_t seed);

// Same shape, dtype and every byte.
bool same_bytes(const Tensor& a, const Tensor& b);

}  // namespace seedgrid::testing
