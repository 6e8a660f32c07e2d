#include "runtime/base/verify/commitment/trajectory.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>

namespace seedgrid::verify {

static_assert(std::endian::native == std::endian::little,
              "latent leaves hash f32 little-endian bytes; a big-endian host must swap them");

namespace {

bool is_latent(const Tensor& t) {
  return t.defined() && t.dtype() == DType::f32 && t.device() == Device::cpu && t.rank() == 4 &&
         t.dim(0) == 1;
}

// A private copy: the renderer may reuse the buffer it handed to on_latent.
Tensor copy_of(const Tensor& t) {
  Tensor out = Tensor::host(t.shape(), DType::f32);
  std::memcpy(out.raw(), t.raw(), t.bytes());
  return out;
}

}  // namespace

Digest latent_leaf(std::uint32_t t, const Tensor& latent) {
  Blake2b h;
  h.update("seedgrid/latent/v1").update_u64(t);
  h.update_u64(latent.shape().size());
  for (std::int64_t d : latent.shape()) h.update_u64(static_cast<std::uint64_t>(d));
  h.update(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(latent.raw()),
                                         latent.bytes()));
  return h.finish();
}

Result<void> check_opening(const Digest& root, std::uint32_t leaf_count,
                           const LatentOpening& opening) {
  return check_opening_with(root, leaf_count, opening, [&](const Tensor& latent) {
    return latent_leaf(opening.t, latent);
  });
}

Result<void> check_opening_with(const Digest& root, std::uint32_t leaf_count,
                                const LatentOpening& opening,
                                const std::function<Digest(const Tensor&)>& leaf_of) {
  if (!is_latent(opening.latent))
    return fail("opening of x_", opening.t, " is not a host f32 [1, C, h, w] latent: ",
                opening.latent.defined() ? opening.latent.describe() : std::string("empty"));
  if (opening.proof.index != opening.t)
    return fail("opening of x_", opening.t, " carries a proof of leaf ", opening.proof.index);
  if (opening.proof.leaf_count != leaf_count)
    return fail("opening of x_", opening.t, " carries a proof for ", opening.proof.leaf_count,
                " leaves, the commitment has ", leaf_count);
  const Digest leaf = leaf_of(opening.latent);
  if (!merkle_verify(root, leaf, opening.proof))
    return fail("opening of x_", opening.t, " (leaf ", to_hex(leaf),
                ") does not verify against trajectory root ", to_hex(root));
  return {};
}

void Trajectory::record(std::uint32_t t, const Tensor& latent) {
  // A gap would commit leaves at the wrong positions: fail loudly, it is a programming error.
  if (t != latents_.size() || !is_latent(latent)) std::abort();
  latents_.push_back(copy_of(latent));
  leaves_.push_back(latent_leaf(t, latents_.back()));
}

void Trajectory::append(Tensor latent, const Digest& leaf) {
  if (!is_latent(latent)) std::abort();
  latents_.push_back(std::move(latent));
  leaves_.push_back(leaf);
}

Digest Trajectory::root() const { return merkle_root(leaves_); }

Result<LatentOpening> Trajectory::open(std::uint32_t t) const {
  if (t >= leaves_.size())
    return fail("cannot open x_", t, ": the trajectory has ", leaves_.size(), " leaves");
  return LatentOpening{t, latents_[t], merkle_proof(leaves_, t)};
}

}  // namespace seedgrid::verify
