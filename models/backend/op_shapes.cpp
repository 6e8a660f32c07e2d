#include "models/backend/op_shapes.hpp"

#include "models/result.hpp"

namespace seedgrid::op_shapes {

std::string conv2d_misfit(const Tensor& x, const Tensor& weight, const Tensor* bias,
                          Conv2dGeometry geometry) {
  if (x.rank() != 4 || weight.rank() != 4)
    return message_of("expected input [B, Cin, H, W] and weight [Cout, Cin, kh, kw], got ",
                      x.describe(), " and ", weight.describe());
  if (weight.dim(1) != x.dim(1))
    return message_of("weight ", weight.describe(), " expects ", weight.dim(1),
                      " input channels, input ", x.describe(), " has ", x.dim(1));
  if (geometry.stride < 1 || geometry.pad_begin < 0 || geometry.pad_end < 0)
    return message_of("invalid geometry: stride ", geometry.stride, ", pad_begin ",
                      geometry.pad_begin, ", pad_end ", geometry.pad_end);
  const std::int64_t padding = geometry.pad_begin + geometry.pad_end;
  if (x.dim(2) + padding < weight.dim(2) || x.dim(3) + padding < weight.dim(3))
    return message_of("kernel ", weight.describe(), " is larger than the padded input ",
                      x.describe());
  if (bias != nullptr && (bias->rank() != 1 || bias->dim(0) != weight.dim(0)))
    return message_of("bias ", bias->describe(), " does not match weight ", weight.describe());
  return {};
}

std::string group_norm_misfit(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                              int groups) {
  if (x.rank() < 2) return message_of("expected input [B, C, ...], got ", x.describe());
  const std::int64_t channels = x.dim(1);
  if (groups <= 0 || channels % groups != 0)
    return message_of(groups, " groups do not divide the ", channels, " channels of ",
                      x.describe());
  if (gamma.numel() != channels || beta.numel() != channels)
    return message_of("gamma ", gamma.describe(), " and beta ", beta.describe(), " must hold ",
                      channels, " values for ", x.describe());
  return {};
}

std::string layer_norm_misfit(const Tensor& x, const Tensor& gamma, const Tensor& beta) {
  if (x.rank() < 1) return "input is a scalar";
  const std::int64_t cols = x.dim(-1);
  if (gamma.numel() != cols || beta.numel() != cols)
    return message_of("gamma ", gamma.describe(), " and beta ", beta.describe(), " must hold ",
                      cols, " values for ", x.describe());
  return {};
}

std::string linear_misfit(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  if (x.rank() < 1 || weight.rank() != 2 || weight.dim(1) != x.dim(-1))
    return message_of("weight ", weight.describe(), " [out, in] does not fit input ",
                      x.describe(), " [..., in]");
  if (bias != nullptr && (bias->rank() != 1 || bias->dim(0) != weight.dim(0)))
    return message_of("bias ", bias->describe(), " does not match weight ", weight.describe());
  return {};
}

std::string attention_misfit(const Tensor& q, const Tensor& k, const Tensor& v, int heads) {
  if (q.rank() != 3 || k.rank() != 3 || k.shape() != v.shape() || k.dim(0) != q.dim(0) ||
      k.dim(2) != q.dim(2))
    return message_of("expected q [B, Lq, C] and k, v [B, Lk, C], got ", q.describe(), ", ",
                      k.describe(), ", ", v.describe());
  if (heads <= 0 || q.dim(2) % heads != 0 || k.dim(1) <= 0)
    return message_of(heads, " heads do not divide the channels of ", q.describe(),
                      " (or no keys in ", k.describe(), ")");
  return {};
}

}  // namespace seedgrid::op_shapes
