#include "models/backend/backend_choice.hpp"
#include "models/backend/determinism_class.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

TEST(BackendChoice, EachDeviceHasItsDefaultPrecision) {
  EXPECT_EQ(resolve_precision("cpu", "").value(), "f32");
  EXPECT_EQ(resolve_precision("cpu", "f16").value(), "f16");
  EXPECT_EQ(resolve_precision("cuda", "").value(), "f16");
  EXPECT_EQ(backend_devices(), (std::vector<std::string>{"cpu", "cuda"}));
}

TEST(BackendChoice, AnUnavailablePairIsRefusedWithWhatTheDeviceOffers) {
  auto f32_on_gpu = resolve_precision("cuda", "f32");
  ASSERT_FALSE(f32_on_gpu);
  EXPECT_EQ(f32_on_gpu.error().message,
            "precision \"f32\" is not available on device \"cuda\": choose \"f16\"");
  auto bf16 = resolve_precision("cpu", "bf16");
  ASSERT_FALSE(bf16);
  EXPECT_EQ(bf16.error().message,
            "precision \"bf16\" is not available on device \"cpu\": choose \"f32\", \"f16\"");
  auto tpu = resolve_precision("tpu", "");
  ASSERT_FALSE(tpu);
  EXPECT_EQ(tpu.error().message, "device must be \"cpu\", \"cuda\", found \"tpu\"");
  auto threads = open_backend({"cpu", "", -2});
  ASSERT_FALSE(threads);
  EXPECT_EQ(threads.error().message, "threads must not be negative, found -2");
}

TEST(BackendChoice, CpuPrecisionsAreTwoDeterminismClasses) {
  auto f32 = open_backend({"cpu", "", 1});
  auto f16 = open_backend({"cpu", "f16", 1});
  ASSERT_TRUE(f32 && f16);
  const std::string a = (*f32)->determinism_class(), b = (*f16)->determinism_class();
  EXPECT_NE(a.find("-f32-"), std::string::npos) << a;
  EXPECT_NE(b.find("-f16s-"), std::string::npos) << b;
  // Same kernels underneath: the classes differ only in the precision field.
  EXPECT_EQ(a.substr(0, a.find("-f32-")), b.substr(0, b.find("-f16s-")));
  EXPECT_EQ(a.substr(a.find("-f32-") + 5), b.substr(b.find("-f16s-") + 6));
}

TEST(BackendChoice, CudaIsEitherTheGpuOrAnErrorSayingWhyNot) {
  auto cuda = open_backend({"cuda", "", 0});
  if (cuda) {
    EXPECT_EQ((*cuda)->device(), Device::cuda);
    EXPECT_EQ((*cuda)->determinism_class().rfind("cuda-sm", 0), 0u);
    return;
  }
  const std::string& m = cuda.error().message;
  EXPECT_EQ(m.rfind("device \"cuda\"", 0), 0u) << m;
#if defined(SEEDGRID_HAVE_CUDA)
  EXPECT_NE(m.find("no CUDA device"), std::string::npos) << m;
#else
  EXPECT_NE(m.find("this build has no CUDA backend"), std::string::npos) << m;
#endif
}

TEST(GpuDeterminismClass, NamesTheBoardCapabilityPrecisionAndBuild) {
  EXPECT_EQ(gpu_determinism_class("NVIDIA H100 80GB HBM3", 9, 0, "f16", "1a2b3c4d"),
            "cuda-sm90-nvidia_h100_80gb_hbm3-f16-1a2b3c4d");
  // Separators and odd characters never leak a '-' into the name field.
  EXPECT_EQ(gpu_determinism_class("  NVIDIA GeForce RTX 4090 -- (Ti) ", 8, 9, "f16", "ff"),
            "cuda-sm89-nvidia_geforce_rtx_4090_ti-f16-ff");
  EXPECT_EQ(gpu_determinism_class("", 8, 0, "f16", "00"), "cuda-sm80-unnamed-f16-00");
  EXPECT_NE(gpu_determinism_class("NVIDIA H100 PCIe", 9, 0, "f16", "aa"),
            gpu_determinism_class("NVIDIA H100 80GB HBM3", 9, 0, "f16", "aa"));
}

}  // namespace
}  // namespace seedgrid
