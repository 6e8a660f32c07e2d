#pragma once
// What the ops of backend.hpp require of their operands' shapes, the same for every backend: each
// returns an empty string when the operands fit, else what is wrong (naming the shapes). A backend
// treats a misfit as a programming error of its caller and aborts with the message.
#include <string>

#include "models/backend/backend.hpp"

namespace seedgrid::op_shapes {

std::string conv2d_misfit(const Tensor& x, const Tensor& weight, const Tensor* bias,
                          Conv2dGeometry geometry);
std::string group_norm_misfit(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                              int groups);
std::string layer_norm_misfit(const Tensor& x, const Tensor& gamma, const Tensor& beta);
std::string linear_misfit(const Tensor& x, const Tensor& weight, const Tensor* bias);
std::string attention_misfit(const Tensor& q, const Tensor& k, const Tensor& v, int heads);

}  // namespace seedgrid::op_shapes
