#pragma once
// One commitment over every sampler pass of a job (a task script may run several: hires_fix
// renders small, then large). The leaves of all passes, in pass order then step order, form one
// Merkle tree, and each leaf names its pass and step:
//   pass 0:   leaf = latent_leaf(t, x_t)   (trajectory.hpp; its tag names pass 0)
//   pass p>0: leaf = BLAKE2b("seedgrid/pass-latent/v1" ‖ p as u64 LE ‖ t as u64 LE ‖ shape ‖
//                            f32 LE bytes of x_t)
// so a one-pass job (txt2img.lua) commits exactly the root a built-in render commits, and a latent
// of one pass cannot be opened as another pass's, even at the same step and shape.
#include <cstdint>
#include <span>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::verify {

// `latent` is a host f32 tensor [1, C, h, w].
Digest pass_latent_leaf(std::uint32_t pass, std::uint32_t t, const Tensor& latent);

// Where one pass's leaves sit in the job's tree.
struct PassSpan {
  std::uint32_t first_leaf = 0;
  std::uint32_t leaf_count = 0;  // steps run + 1 (x_0 .. x_n)

  std::uint32_t last_leaf() const { return first_leaf + leaf_count - 1; }
  // Whether leaf t of the job's tree starts a step of this pass (each of its leaves but the last).
  bool starts_step(std::uint32_t t) const { return t >= first_leaf && t < last_leaf(); }

  bool operator==(const PassSpan&) const = default;
};

// An opening of leaf opening.t of the job's tree, which is leaf t - span.first_leaf of pass
// `pass`: checked as check_opening does, against that pass's leaf.
Result<void> check_pass_opening(const Digest& root, std::uint32_t leaf_count, std::uint32_t pass,
                                const PassSpan& span, const LatentOpening& opening);

// The spans of passes that run these many steps each, in order.
std::vector<PassSpan> pass_spans(std::span<const std::uint32_t> steps_run);
// Leaves of a job whose passes run these many steps: the sum of (steps + 1).
std::uint32_t job_leaf_count(std::span<const std::uint32_t> steps_run);

// The leaves of every pass (each pass's leaves from pass_latent_leaf), concatenated in order.
std::vector<Digest> job_leaves(std::span<const std::vector<Digest>> pass_leaves);
// The job's trajectory root: merkle_root(job_leaves(pass_leaves)).
Digest job_trajectory_root(std::span<const std::vector<Digest>> pass_leaves);

}  // namespace seedgrid::verify
