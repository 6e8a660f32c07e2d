#include <cmath>
#include <vector>

#include "kernels/cpu/math.hpp"
#include "kernels/cpu/moments.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

// y = ((x - mean) · rstd) · gamma[c] + beta[c] in fp32, with mean and rstd = 1/sqrt(var + eps)
// computed in double per (batch, group) and rounded once; then SiLU when fused.
void group_norm(const float* x, float* y, i64 batch, i64 channels, i64 spatial, i64 groups,
                const float* gamma, const float* beta, float eps, bool fuse_silu) {
  const i64 per_group = channels / groups;
  const i64 group_size = per_group * spatial;
  std::vector<float> mean(static_cast<std::size_t>(batch * groups));
  std::vector<float> rstd(mean.size());
  parallel_for(batch * groups, 1, [&](i64 begin, i64 end) {
    for (i64 bg = begin; bg < end; ++bg) {
      const Moments m = moments(x + bg * group_size, group_size);
      mean[static_cast<std::size_t>(bg)] = static_cast<float>(m.mean);
      rstd[static_cast<std::size_t>(bg)] =
          static_cast<float>(1.0 / std::sqrt(m.variance + static_cast<double>(eps)));
    }
  });
  parallel_for(batch * channels, (1 << 14) / (spatial + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 bc = begin; bc < end; ++bc) {
      const i64 c = bc % channels;
      const auto bg = static_cast<std::size_t>((bc / channels) * groups + c / per_group);
      const float mu = mean[bg], rs = rstd[bg], g = gamma[c], b = beta[c];
      const float* in = x + bc * spatial;
      float* out = y + bc * spatial;
      for (i64 s = 0; s < spatial; ++s) out[s] = ((in[s] - mu) * rs) * g + b;
      if (fuse_silu)
        for (i64 s = 0; s < spatial; ++s) out[s] = silu_f32(out[s]);
    }
  });
}

}  // namespace seedgrid::kernels::cpu
