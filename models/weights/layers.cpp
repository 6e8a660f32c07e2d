#include "models/weights/layers.hpp"

#include <cstdio>
#include <cstdlib>

namespace seedgrid {

void abort_misuse(const std::string& what) {
  std::fprintf(stderr, "seedgrid: model misuse: %s\n", what.c_str());
  std::abort();
}

Linear Linear::load(const Params& p, int in, int out, bool bias) {
  Linear l;
  l.weight = p.matrix("weight", {out, in});
  if (bias) l.bias = p.get("bias", {out});
  return l;
}

Conv2d Conv2d::load(const Params& p, int in, int out, int kernel, Conv2dGeometry geometry) {
  Conv2d c;
  c.weight = p.matrix("weight", {out, in, kernel, kernel});
  c.bias = p.get("bias", {out});
  c.geometry = geometry;
  return c;
}

GroupNorm GroupNorm::load(const Params& p, int channels, int groups, float eps) {
  GroupNorm n;
  n.gamma = p.get("weight", {channels});
  n.beta = p.get("bias", {channels});
  n.groups = groups;
  n.eps = eps;
  return n;
}

LayerNorm LayerNorm::load(const Params& p, int channels, float eps) {
  LayerNorm n;
  n.gamma = p.get("weight", {channels});
  n.beta = p.get("bias", {channels});
  n.eps = eps;
  return n;
}

}  // namespace seedgrid
