#pragma once
// Shared by the cheat tests: preset models loaded once per process on both determinism classes,
// the job each test asks for, and an honest render in the shape a worker delivers it.
#include <string>

#include "actors/worker/cheats/cheat.hpp"
#include "models/backend/cpu_backend.hpp"
#include "models/backend/f16_storage_backend.hpp"
#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/pipeline.hpp"

namespace seedgrid::testing {

enum class ClassKind { cpu_f32, f16_storage };

Backend& backend_of(ClassKind kind);
// The preset ("tiny", "small") loaded on that class's backend; aborts if it cannot load.
const Pipeline& zoo_pipeline(const std::string& preset, ClassKind kind);
const std::string& zoo_model_path(const std::string& preset);

// A short job for the preset: 64x64, euler, guided.
GenerationSpec zoo_spec(const std::string& preset, std::uint64_t seed = 42,
                        std::string prompt = "a red fox in the snow, oil painting");

// An honest render with its committed trajectory.
worker::CheatedRender honest_render(const Pipeline& pipeline, const GenerationSpec& spec);

}  // namespace seedgrid::testing
