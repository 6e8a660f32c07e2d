#pragma once
// From the protocol's signed result to what the audits take: the render settings of a job spec,
// the commitment, and the openings every result carries (x_0's proof, x_N with its proof).
#include "models/pipeline/generation_spec.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::verify {

// A txt2img job's GenerationSpec; an error for task types that render no trajectory (instant)
// or an unknown sampler.
Result<GenerationSpec> generation_spec_of(const protocol::JobSpec& spec);
Result<CommittedJob> committed_job_of(const protocol::JobSpec& spec,
                                      const protocol::JobResult& result);
// x_0's proof without its latent (the noise audit recomputes x_0 from the seed).
LatentOpening initial_opening_of(const protocol::JobResult& result);
// x_N as the result carries it; an error when the shape does not hold the values.
Result<LatentOpening> final_opening_of(const protocol::JobResult& result);

}  // namespace seedgrid::verify
