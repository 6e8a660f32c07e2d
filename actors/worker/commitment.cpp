#include "actors/worker/commitment.hpp"

namespace seedgrid::worker {

void fill_commitment(protocol::JobResult& r, const protocol::JobSpec& spec,
                     const std::string& precision, const verify::Trajectory* trajectory,
                     std::uint32_t scripted_leaves) {
  r.sampler = spec.sampler;
  r.karras = spec.karras;
  r.steps = spec.steps;
  r.guidance = spec.guidance;
  r.precision = precision;
  if (spec.scripted()) {
    r.leaf_count = scripted_leaves;
    return;
  }
  if (trajectory == nullptr || trajectory->leaf_count() == 0) {
    r.leaf_count = 1;  // the instant task: one leaf, the spec hash
    return;
  }
  r.leaf_count = trajectory->leaf_count();
  const std::uint32_t last = r.leaf_count - 1;
  r.initial_proof = verify::merkle_proof(trajectory->leaves(), 0);
  r.final_proof = verify::merkle_proof(trajectory->leaves(), last);
  const Tensor& x_n = trajectory->latent(last);
  r.final_latent_shape = x_n.shape();
  r.final_latent.assign(x_n.f32(), x_n.f32() + x_n.numel());
}

}  // namespace seedgrid::worker
