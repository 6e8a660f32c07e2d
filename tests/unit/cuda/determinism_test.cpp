// Determinism on one GPU: the same op twice gives the same bytes, and a row (a token row, an
// image) computed alone gives the same bytes as inside a batch of 8 — for the ops whose kernels
// tile or reduce (GEMM, convolution, attention, the norms, softmax).
#include <vector>

#include "tests/unit/cuda/cuda_test_support.hpp"

namespace seedgrid::testing {
namespace {

class CudaDeterminism : public CudaTest {
 protected:
  Tensor up(const Tensor& host) { return gpu().upload(host); }
  Tensor down(const Tensor& t) { return gpu().download(t); }

  // Image 3 of a batch of 8 vs the same image alone, through `op` on device tensors.
  template <class Op>
  void expect_batch_invariant(const Tensor& batch8, Op op, const char* what) {
    const Tensor all = down(op(up(batch8)));
    const Tensor alone = down(op(up(batch8.slice(3, 4))));
    EXPECT_TRUE(same_bytes(alone, all.slice(3, 4))) << what << ": row 3 alone differs from batch";
    const Tensor again = down(op(up(batch8)));
    EXPECT_TRUE(same_bytes(all, again)) << what << ": two runs differ";
  }
};

TEST_F(CudaDeterminism, LinearIsBatchInvariantAndRepeatable) {
  const Tensor w = up(random({640, 320}, 0.1f)), b = up(random({640}));
  // Token rows: a batch of 8 sequences of 77 tokens; row 3's tokens start mid-tile.
  expect_batch_invariant(random({8, 77, 320}),
                         [&](const Tensor& x) { return gpu().linear(x, w, &b); }, "linear");
}

TEST_F(CudaDeterminism, Conv2dIsBatchInvariantAndRepeatable) {
  const Tensor w3 = up(random({64, 32, 3, 3}, 0.1f)), b = up(random({64}));
  const Tensor w1 = up(random({64, 32, 1, 1}, 0.1f));
  const Tensor x = random({8, 32, 13, 11});
  expect_batch_invariant(x, [&](const Tensor& t) { return gpu().conv2d(t, w3, &b, {1, 1, 1}); },
                         "conv 3x3");
  expect_batch_invariant(x, [&](const Tensor& t) { return gpu().conv2d(t, w1, &b, {1, 0, 0}); },
                         "conv 1x1");
  expect_batch_invariant(x, [&](const Tensor& t) { return gpu().conv2d(t, w3, &b, {2, 0, 1}); },
                         "conv 3x3 stride 2");
}

TEST_F(CudaDeterminism, AttentionIsBatchInvariantAndRepeatable) {
  const Tensor context = random({8, 77, 160});
  for (int heads : {1, 2, 4}) {
    expect_batch_invariant(random({8, 96, 160}),
                           [&](const Tensor& q) { return gpu().attention(q, q, q, heads, false); },
                           "self attention");
    // Cross attention: the queries' batch row b meets context row b.
    const Tensor all_ctx = up(context);
    const Tensor q8 = random({8, 96, 160});
    const Tensor all = down(gpu().attention(up(q8), all_ctx, all_ctx, heads, false));
    const Tensor ctx3 = up(context.slice(3, 4));
    const Tensor alone = down(gpu().attention(up(q8.slice(3, 4)), ctx3, ctx3, heads, false));
    EXPECT_TRUE(same_bytes(alone, all.slice(3, 4))) << "cross attention, " << heads << " heads";
  }
  expect_batch_invariant(random({8, 77, 128}),
                         [&](const Tensor& q) { return gpu().attention(q, q, q, 2, true); },
                         "causal attention");
}

TEST_F(CudaDeterminism, NormsAndSoftmaxAreBatchInvariantAndRepeatable) {
  const Tensor g = up(random({64})), b = up(random({64}));
  expect_batch_invariant(random({8, 64, 9, 9}, 3.0f),
                         [&](const Tensor& x) { return gpu().group_norm(x, g, b, 32, 1e-6f, true); },
                         "group norm");
  expect_batch_invariant(random({8, 33, 64}, 3.0f),
                         [&](const Tensor& x) { return gpu().layer_norm(x, g, b, 1e-5f); },
                         "layer norm");
  expect_batch_invariant(random({8, 5, 300}, 4.0f),
                         [&](const Tensor& x) { return gpu().softmax(x); }, "softmax");
}

}  // namespace
}  // namespace seedgrid::testing
