#include "runtime/base/protocol/opening.hpp"

#include <algorithm>

#include "runtime/base/protocol/canonical.hpp"

namespace seedgrid::protocol {

WireOpening wire_opening(const verify::LatentOpening& o) {
  WireOpening w;
  w.t = o.t;
  w.shape = o.latent.shape();
  const float* v = o.latent.f32();
  w.latent.assign(v, v + o.latent.numel());
  w.proof = o.proof;
  return w;
}

Result<verify::LatentOpening> latent_opening(const WireOpening& w) {
  std::int64_t numel = w.shape.empty() ? 0 : 1;
  for (auto d : w.shape) numel = d > 0 ? numel * d : -1;
  if (numel <= 0 || static_cast<std::size_t>(numel) != w.latent.size())
    return fail("opening of step ", w.t, " has ", w.latent.size(), " values for shape of rank ",
                w.shape.size());
  verify::LatentOpening o;
  o.t = w.t;
  o.latent = Tensor::host_f32(w.shape, w.latent);
  o.proof = w.proof;
  return o;
}

std::vector<std::uint8_t> opening_signing_bytes(const Opening& o) {
  CanonicalWriter w("seedgrid/opening/v1");
  w.str(o.audit_id).str(o.job_id).u32(o.attempt).fixed(o.worker.bytes).u64(o.openings.size());
  for (const auto& x : o.openings) {
    w.u32(x.t).u64(x.shape.size());
    for (auto d : x.shape) w.i64(d);
    w.u64(x.latent.size());
    for (float v : x.latent) w.f32(v);
    w.u32(x.proof.index).u32(x.proof.leaf_count).u64(x.proof.siblings.size());
    for (const auto& s : x.proof.siblings) w.fixed(s);
  }
  w.str(o.error);
  return w.encoded();
}

void sign_opening(Opening& o, const Identity& worker) {
  o.worker = worker.public_key();
  o.signature = worker.sign(opening_signing_bytes(o));
}

bool opening_signature_valid(const Opening& o) {
  return verify_signature(o.worker, opening_signing_bytes(o), o.signature);
}

}  // namespace seedgrid::protocol
