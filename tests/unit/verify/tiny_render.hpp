#pragma once
// The tiny preset, written and loaded once per test process, and honest renders of it with their
// trajectories: what a worker commits, built from the real pipeline.
#include <string>

#include "models/pipeline/pipeline.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::verify::testing {

const Pipeline& tiny_pipeline();
// The same checkpoint on F16StorageBackend (models/backend/f16_storage_backend.hpp): the honest
// second determinism class ("cpu-<arch>-f16s-..."), its numbers rounded to fp16 between ops.
const Pipeline& tiny_pipeline_f16_storage();
const std::string& tiny_model_dir();
const std::string& tiny_model_id();

GenerationSpec tiny_spec(SamplerKind sampler = SamplerKind::euler, std::uint64_t seed = 7,
                         int steps = 4);

struct HonestRender {
  RgbImage image;
  Trajectory trajectory;
  CommittedJob job;  // same determinism class as tiny_pipeline()
};
HonestRender honest_render(const GenerationSpec& spec);
// An honest render on `pipeline`, committed under that pipeline's determinism class.
HonestRender honest_render(const Pipeline& pipeline, const GenerationSpec& spec);

// What the worker commits to for these latents and pixels.
CommittedJob committed(const GenerationSpec& spec, const Trajectory& trajectory,
                       const RgbImage& delivered, std::string determinism_class);

}  // namespace seedgrid::verify::testing
