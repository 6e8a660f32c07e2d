// A loaded network's weight matrices (linear and conv2d weights, embedding tables) are kept as the
// checkpoint stores them: an f16 checkpoint's tensors are used where they lie in the mapped file,
// with no converted copy, on both CPU classes; the fp16-storage class holds an f32 checkpoint's
// matrices as fp16 (half the bytes). Copies made at load were what took a CPU render's memory to
// twice the checkpoint and most of its load time.
#include <gtest/gtest.h>

#include <cstring>

#include "models/backend/cpu_backend.hpp"
#include "models/backend/f16_storage_backend.hpp"
#include "models/tensor/half.hpp"
#include "models/weights/layers.hpp"
#include "models/weights/param_source.hpp"

namespace seedgrid {
namespace {

Tensor f16_tensor(Shape shape, float first) {
  Tensor t = Tensor::host(std::move(shape), DType::f16);
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.u16()[i] = float_to_half(first + 0.1f * static_cast<float>(i));
  return t;
}

struct LoadedLinear {
  Linear layer;
  Tensor host_weight;
};

LoadedLinear load_linear(Backend& backend, const Tensor& weight, const Tensor& bias) {
  WeightSet weights("test");
  weights.insert("proj.weight", weight);
  weights.insert("proj.bias", bias);
  LoadedLinear out;
  out.host_weight = *weights.find("proj.weight");
  auto ok = build_from_weights(weights, backend, [&](const Params& p) {
    out.layer = Linear::load(p.at("proj"), static_cast<int>(weight.dim(1)),
                             static_cast<int>(weight.dim(0)));
  });
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  return out;
}

TEST(StoredWeights, AnF16MatrixIsUsedWhereItLiesOnBothCpuClasses) {
  CpuBackend cpu;
  F16StorageBackend f16s;
  const Tensor weight = f16_tensor({3, 4}, -0.6f), bias = f16_tensor({3}, 0.2f);
  const Tensor x = Tensor::host_f32({2, 4}, {0.5f, -1.0f, 0.25f, 2.0f, 1.0f, 0.0f, -0.5f, 3.0f});
  for (Backend* backend : {static_cast<Backend*>(&cpu), static_cast<Backend*>(&f16s)}) {
    SCOPED_TRACE(backend->determinism_class());
    const LoadedLinear loaded = load_linear(*backend, weight, bias);
    EXPECT_EQ(loaded.layer.weight.dtype(), DType::f16);
    EXPECT_EQ(loaded.layer.weight.raw(), loaded.host_weight.raw()) << "no copy of the weight";
    EXPECT_EQ(loaded.layer.bias.dtype(), DType::f32) << "vectors are widened: a few bytes";
    // The same bytes as the op over a widened copy of the weight.
    const Tensor got = loaded.layer(*backend, backend->upload(x));
    const Tensor want =
        backend->linear(backend->upload(x), backend->upload(weight), &loaded.layer.bias);
    ASSERT_EQ(got.bytes(), want.bytes());
    EXPECT_EQ(std::memcmp(got.raw(), want.raw(), got.bytes()), 0);
  }
}

TEST(StoredWeights, TheCpuClassUsesAnF32MatrixWhereItLies) {
  CpuBackend cpu;
  const Tensor weight = Tensor::host_f32({2, 2}, {0.1f, 0.2f, 0.3f, 0.4f});
  const LoadedLinear loaded = load_linear(cpu, weight, Tensor::host_f32({2}, {0.0f, 1.0f}));
  EXPECT_EQ(loaded.layer.weight.raw(), loaded.host_weight.raw());
}

TEST(StoredWeights, TheF16StorageClassHoldsAnF32MatrixInHalfTheBytes) {
  F16StorageBackend f16s;
  const Tensor weight = Tensor::host_f32({2, 3}, {0.3f, -0.7f, 0.11f, 1.3f, 0.01f, -0.2f});
  const LoadedLinear loaded = load_linear(f16s, weight, Tensor::host_f32({2}, {0.0f, 1.0f}));
  ASSERT_EQ(loaded.layer.weight.dtype(), DType::f16);
  EXPECT_EQ(loaded.layer.weight.bytes(), weight.bytes() / 2);
  for (std::int64_t i = 0; i < weight.numel(); ++i)
    EXPECT_EQ(loaded.layer.weight.u16()[i], float_to_half(weight.f32()[i])) << "element " << i;
}

}  // namespace
}  // namespace seedgrid
