#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;

class GemmTest : public testing::KernelTest {};

// c[i, j] = Σ_k a[i, k] · b(k, j) in double, b(k, j) = b[j·ldb + k] (transposed) or b[k·ldb + j].
std::vector<double> reference_gemm(i64 m, i64 n, i64 k, const std::vector<float>& a,
                                   const std::vector<float>& b, bool transposed) {
  std::vector<double> c(static_cast<std::size_t>(m * n));
  for (i64 i = 0; i < m; ++i)
    for (i64 j = 0; j < n; ++j) {
      double s = 0;
      for (i64 p = 0; p < k; ++p)
        s += static_cast<double>(at(a, i * k + p)) * at(b, transposed ? j * k + p : p * n + j);
      at(c, i * n + j) = s;
    }
  return c;
}

// Sizes chosen off the tile sizes (12 x 16 register tile, k blocks of 256, 96-row A blocks,
// 384 x 256 tasks) so every edge path runs.
struct Size {
  i64 m, n, k;
};
constexpr Size kSizes[] = {{1, 1, 1},    {5, 7, 3},      {13, 37, 300},
                           {97, 9, 520}, {401, 263, 29}, {7, 300, 257}};

TEST_F(GemmTest, MatchesDoubleReference) {
  for (const Size& s : kSizes) {
    SCOPED_TRACE(::testing::Message() << "m " << s.m << " n " << s.n << " k " << s.k);
    const auto a = random(s.m * s.k), b = random(s.k * s.n);
    std::vector<float> c = testing::poisoned(s.m * s.n);
    cpu::gemm_nt(s.m, s.n, s.k, a.data(), s.k, b.data(), s.k, c.data(), s.n);
    EXPECT_CLOSE(c, reference_gemm(s.m, s.n, s.k, a, b, true));
    c = testing::poisoned(s.m * s.n);
    cpu::gemm_nn(s.m, s.n, s.k, a.data(), s.k, b.data(), s.n, c.data(), s.n);
    EXPECT_CLOSE(c, reference_gemm(s.m, s.n, s.k, a, b, false));
  }
}

TEST_F(GemmTest, RespectsLeadingDimensions) {
  // A 11 x 19 block of C inside a 15 x 23 buffer, A and B read from wider rows: elements outside
  // the block keep their poison, elements inside are written.
  const i64 m = 11, n = 19, k = 45, lda = 50, ldb = 47, ldc = 23;
  const auto a = random(m * lda), b = random(n * ldb);
  std::vector<float> c = testing::poisoned(15 * ldc);
  cpu::gemm_nt(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc);
  for (i64 i = 0; i < 15; ++i)
    for (i64 j = 0; j < ldc; ++j) {
      const float got = at(c, i * ldc + j);
      if (i >= m || j >= n) {
        EXPECT_TRUE(std::isnan(got)) << "wrote outside C at " << i << ", " << j;
        continue;
      }
      double want = 0;
      for (i64 p = 0; p < k; ++p)
        want += static_cast<double>(at(a, i * lda + p)) * at(b, j * ldb + p);
      EXPECT_NEAR(got, want, 1e-5 * (1 + std::fabs(want)));
    }
}

TEST_F(GemmTest, ZeroDepthGivesZeros) {
  std::vector<float> c = testing::poisoned(6);
  cpu::gemm_nn(2, 3, 0, nullptr, 0, nullptr, 3, c.data(), 3);
  for (float v : c) EXPECT_EQ(v, 0.0f);
}

std::vector<double> reference_linear(i64 rows, i64 in, i64 out, const std::vector<float>& x,
                                     const std::vector<float>& w, const std::vector<float>& b) {
  std::vector<double> y = reference_gemm(rows, out, in, x, w, true);
  for (i64 r = 0; r < rows; ++r)
    for (i64 o = 0; o < out; ++o) at(y, r * out + o) += at(b, o);
  return y;
}

TEST_F(GemmTest, LinearMatchesDoubleReference) {
  const i64 rows = 77, in = 259, out = 131;
  const auto x = random(rows * in), w = random(out * in), b = random(out);
  std::vector<float> y = testing::poisoned(rows * out);
  cpu::linear(x.data(), rows, in, w.data(), out, b.data(), y.data());
  EXPECT_CLOSE(y, reference_linear(rows, in, out, x, w, b));
  y = testing::poisoned(rows * out);
  cpu::linear(x.data(), rows, in, w.data(), out, nullptr, y.data());
  EXPECT_CLOSE(y, reference_gemm(rows, out, in, x, w, true));
}

TEST_F(GemmTest, RowsAreBatchInvariant) {
  // A row computed alone, in a batch of 4, and at every position of a 400-row batch (other tiles,
  // other tasks) gives the same bytes.
  const i64 in = 300, out = 267;
  const auto w = random(out * in), b = random(out);
  const auto many = random(400 * in);
  std::vector<float> y_many = testing::poisoned(400 * out);
  cpu::linear(many.data(), 400, in, w.data(), out, b.data(), y_many.data());
  for (i64 r : {i64{0}, i64{5}, i64{6}, i64{97}, i64{383}, i64{384}, i64{399}}) {
    std::vector<float> alone = testing::poisoned(out);
    cpu::linear(many.data() + r * in, 1, in, w.data(), out, b.data(), alone.data());
    EXPECT_EQ(std::memcmp(alone.data(), y_many.data() + r * out, out * sizeof(float)), 0)
        << "row " << r;
  }
  std::vector<float> four = testing::poisoned(4 * out);
  cpu::linear(many.data() + 96 * in, 4, in, w.data(), out, b.data(), four.data());
  EXPECT_EQ(std::memcmp(four.data(), y_many.data() + 96 * out, 4 * out * sizeof(float)), 0);
}

TEST_F(GemmTest, ThreadCountInvariant) {
  const i64 m = 401, n = 263, k = 300;
  const auto a = random(m * k), b = random(k * n);
  EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] {
    std::vector<float> c = testing::poisoned(m * n);
    cpu::gemm_nn(m, n, k, a.data(), k, b.data(), n, c.data(), n);
    return c;
  }));
}

// The instruction set is not part of the determinism class: each micro-kernel must give the
// portable one's bytes, in every edge path, with k blocks accumulated and both B layouts.
TEST_F(GemmTest, EveryInstructionSetGivesThePortableBytes) {
  using cpu::gemm::InstructionSet;
  std::vector<InstructionSet> wider;
  for (InstructionSet isa : {InstructionSet::avx2, InstructionSet::avx512})
    if (cpu::gemm::instruction_set_available(isa)) wider.push_back(isa);
  if (wider.empty()) GTEST_SKIP() << "this machine has only the portable micro-kernel";
  const InstructionSet before = cpu::gemm::instruction_set_in_use();
  for (const Size& s : kSizes) {
    SCOPED_TRACE(::testing::Message() << "m " << s.m << " n " << s.n << " k " << s.k);
    const auto a = random(s.m * s.k), b = random(s.k * s.n);
    const auto run = [&](InstructionSet isa, bool transposed) {
      cpu::gemm::use_instruction_set(isa);
      std::vector<float> c = testing::poisoned(s.m * s.n);
      if (transposed)
        cpu::gemm_nt(s.m, s.n, s.k, a.data(), s.k, b.data(), s.k, c.data(), s.n);
      else
        cpu::gemm_nn(s.m, s.n, s.k, a.data(), s.k, b.data(), s.n, c.data(), s.n);
      return c;
    };
    for (bool transposed : {false, true})
      for (InstructionSet isa : wider)
        EXPECT_TRUE(testing::same_bytes(run(InstructionSet::portable, transposed),
                                        run(isa, transposed)))
            << cpu::gemm::instruction_set_name(isa) << (transposed ? " gemm_nt" : " gemm_nn");
  }
  cpu::gemm::use_instruction_set(before);
}

}  // namespace
}  // namespace seedgrid::kernels
