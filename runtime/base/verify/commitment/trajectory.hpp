#pragma once
// A job's trajectory x_0 .. x_N (N = steps run) and the commitment a worker signs with its result:
//   leaf_t = BLAKE2b("seedgrid/latent/v1" ‖ t as u64 LE ‖ shape ‖ f32 LE bytes of x_t)
//   trajectory_root = merkle_root(leaf_0 .. leaf_N)
// leaf_0 is the seed's initial noise, so anyone can check it without running a model.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"

namespace seedgrid::verify {

// `latent` is a host f32 tensor [1, C, h, w] (what GenerationHooks::on_latent hands out).
Digest latent_leaf(std::uint32_t t, const Tensor& latent);

// One opened leaf: the latent x_t and the proof that it is leaf t under the committed root.
struct LatentOpening {
  std::uint32_t t = 0;
  Tensor latent;  // host f32 [1, C, h, w]
  MerkleProof proof;
};

// Checks an opening against a root: the leaf recomputed from the latent must verify at t.
// The error says which step and what did not match.
Result<void> check_opening(const Digest& root, std::uint32_t leaf_count,
                           const LatentOpening& opening);
// The same check where the leaf is computed otherwise (a scripted job's pass leaf,
// job_trajectory.hpp); `leaf_of` is asked only about a well-formed latent.
Result<void> check_opening_with(const Digest& root, std::uint32_t leaf_count,
                                const LatentOpening& opening,
                                const std::function<Digest(const Tensor&)>& leaf_of);

// The latents of one render in step order, and what is committed from them.
class Trajectory {
 public:
  void record(std::uint32_t t, const Tensor& latent);  // t must be the next step
  // The next latent with a leaf computed elsewhere: a scripted job's pass leaf
  // (job_trajectory.hpp), or a cheat's forged one, kept as committed.
  void append(Tensor latent, const Digest& leaf);
  std::uint32_t leaf_count() const { return static_cast<std::uint32_t>(leaves_.size()); }
  const std::vector<Digest>& leaves() const { return leaves_; }
  Digest root() const;
  Result<LatentOpening> open(std::uint32_t t) const;  // error when t is out of range
  const Tensor& latent(std::uint32_t t) const { return latents_.at(t); }

 private:
  std::vector<Tensor> latents_;
  std::vector<Digest> leaves_;
};

}  // namespace seedgrid::verify
