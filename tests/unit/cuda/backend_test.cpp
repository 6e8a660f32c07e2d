// What the CUDA backend says about itself, and what a machine without a GPU sees.
#include <regex>

#include "tests/unit/cuda/cuda_test_support.hpp"

namespace seedgrid::testing {
namespace {

// Runs everywhere: without a device, create() fails with the message the other tests skip with.
TEST(CudaBackendCreate, FailsWithANamedReasonOrSucceeds) {
  auto created = CudaBackend::create();
  if (created) {
    EXPECT_EQ((*created)->device(), Device::cuda);
  } else {
    EXPECT_EQ(created.error().message.rfind("no CUDA device: ", 0), 0u) << created.error().message;
    std::printf("cuda tests: %s\n", created.error().message.c_str());
  }
}

class CudaBackendInfo : public CudaTest {};

TEST_F(CudaBackendInfo, DeterminismClassNamesArchitecturePrecisionAndBuild) {
  const std::string cls = gpu().determinism_class();
  EXPECT_TRUE(std::regex_match(cls, std::regex("cuda-sm[0-9]+-[a-z0-9_]+-f16-[0-9a-f]{8}"))) << cls;
  EXPECT_NE(cls, cpu().determinism_class());
  EXPECT_EQ(gpu().compute_dtype(), DType::f16);
}

TEST_F(CudaBackendInfo, ReusesFreedMemory) {
  const Tensor x = random({1 << 16});
  // One round first: it holds the upload and the scaled copy at once, so that is the steady state.
  { Tensor warm = gpu().scale(gpu().upload(x), 2.0f); }
  gpu().synchronize();
  const std::size_t before = gpu().reserved_bytes();
  for (int i = 0; i < 10; ++i) {
    Tensor t = gpu().scale(gpu().upload(x), 2.0f);
  }
  gpu().synchronize();
  EXPECT_EQ(gpu().reserved_bytes(), before);
}

TEST_F(CudaBackendInfo, ViewsOfDeviceTensorsWork) {
  const Tensor x = random({4, 6, 10});
  const Tensor g = gpu().upload(x);
  EXPECT_TRUE(same_bytes(gpu().download(g.slice(1, 3).reshape({2, 60})),
                         x.slice(1, 3).reshape({2, 60})));
}

}  // namespace
}  // namespace seedgrid::testing
