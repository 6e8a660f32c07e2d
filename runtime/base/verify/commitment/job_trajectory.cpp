#include "runtime/base/verify/commitment/job_trajectory.hpp"

#include "runtime/base/verify/commitment/merkle.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::verify {

Digest pass_latent_leaf(std::uint32_t pass, std::uint32_t t, const Tensor& latent) {
  if (pass == 0) return latent_leaf(t, latent);
  Blake2b h;
  h.update("seedgrid/pass-latent/v1").update_u64(pass).update_u64(t);
  h.update_u64(latent.shape().size());
  for (std::int64_t d : latent.shape()) h.update_u64(static_cast<std::uint64_t>(d));
  h.update(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(latent.raw()),
                                         latent.bytes()));
  return h.finish();
}

Result<void> check_pass_opening(const Digest& root, std::uint32_t leaf_count, std::uint32_t pass,
                                const PassSpan& span, const LatentOpening& opening) {
  if (opening.t < span.first_leaf || opening.t > span.last_leaf())
    return fail("opening of leaf ", opening.t, " is not in pass ", pass + 1, " (leaves ",
                span.first_leaf, " to ", span.last_leaf(), ")");
  return check_opening_with(root, leaf_count, opening, [&](const Tensor& latent) {
    return pass_latent_leaf(pass, opening.t - span.first_leaf, latent);
  });
}

std::vector<PassSpan> pass_spans(std::span<const std::uint32_t> steps_run) {
  std::vector<PassSpan> spans;
  spans.reserve(steps_run.size());
  std::uint32_t next = 0;
  for (std::uint32_t steps : steps_run) {
    spans.push_back({next, steps + 1});
    next += steps + 1;
  }
  return spans;
}

std::uint32_t job_leaf_count(std::span<const std::uint32_t> steps_run) {
  std::uint32_t n = 0;
  for (std::uint32_t steps : steps_run) n += steps + 1;
  return n;
}

std::vector<Digest> job_leaves(std::span<const std::vector<Digest>> pass_leaves) {
  std::vector<Digest> all;
  for (const auto& leaves : pass_leaves) all.insert(all.end(), leaves.begin(), leaves.end());
  return all;
}

Digest job_trajectory_root(std::span<const std::vector<Digest>> pass_leaves) {
  return merkle_root(job_leaves(pass_leaves));
}

}  // namespace seedgrid::verify
