#include "runtime/base/verify/committed_job.hpp"

#include <algorithm>

namespace seedgrid::verify {

Result<GenerationSpec> generation_spec_of(const protocol::JobSpec& s) {
  if (s.task_type != protocol::kTaskTxt2Img)
    return fail("task type '", s.task_type, "' renders no trajectory to audit");
  auto sampler = parse_sampler_kind(s.sampler);
  if (!sampler) return pass_on(sampler);
  GenerationSpec g;
  g.prompt = s.prompt;
  g.negative_prompt = s.negative_prompt;
  g.seed = s.seed;
  g.steps = static_cast<int>(s.steps);
  g.guidance = s.guidance;
  g.sampler = *sampler;
  g.karras = s.karras;
  g.width = static_cast<int>(s.width);
  g.height = static_cast<int>(s.height);
  return g;
}

Result<CommittedJob> committed_job_of(const protocol::JobSpec& spec,
                                      const protocol::JobResult& result) {
  auto g = generation_spec_of(spec);
  if (!g) return pass_on(g);
  CommittedJob job;
  job.spec = std::move(*g);
  job.trajectory_root = result.trajectory_root;
  job.leaf_count = result.leaf_count;
  job.output_hash = result.output_hash;
  job.determinism_class = result.determinism_class;
  return job;
}

LatentOpening initial_opening_of(const protocol::JobResult& result) {
  return LatentOpening{0, Tensor(), result.initial_proof};
}

Result<LatentOpening> final_opening_of(const protocol::JobResult& result) {
  const auto& shape = result.final_latent_shape;
  const bool positive = std::all_of(shape.begin(), shape.end(), [](auto d) { return d > 0; });
  if (shape.size() != 4 || !positive ||
      static_cast<std::size_t>(shape_numel(shape)) != result.final_latent.size())
    return fail("the final latent of ", result.job_id, " has ", result.final_latent.size(),
                " values for shape ", shape_string(shape));
  const std::uint32_t t = result.leaf_count == 0 ? 0 : result.leaf_count - 1;
  return LatentOpening{t, Tensor::host_f32(shape, result.final_latent), result.final_proof};
}

}  // namespace seedgrid::verify
