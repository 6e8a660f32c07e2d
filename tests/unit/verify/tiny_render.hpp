#pragma once
// The tiny preset, written and loaded once per test process, and honest renders of it with their
// trajectories: what a worker commits, built from the real pipeline.
#include <string>

#include "models/pipeline/pipeline.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::verify::testing {

const Pipeline& tiny_pipeline();
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

// What the worker commits to for these latents and pixels.
CommittedJob committed(const GenerationSpec& spec, const Trajectory& trajectory,
                       const RgbImage& delivered, std::string determinism_class);

}  // namespace seedgrid::verify::testing
