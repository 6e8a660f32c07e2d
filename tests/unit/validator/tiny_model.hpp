#pragma once
// The tiny preset (seed 5) written once per test process into a temporary folder that is removed
// at exit, and renderers over it: what the validator tests audit with.
#include <memory>
#include <string>

#include "actors/rendering/renderer.hpp"
#include "config/node_config.hpp"

namespace seedgrid::testing {

struct TinyModel {
  std::string checkpoint_path;
  std::string model_id;
};

const TinyModel& tiny_model();
// The rendering section of a one-thread CPU node serving the tiny model.
config::RenderingSection tiny_rendering();
// A fresh renderer of tiny_rendering(); aborts the test binary when it cannot load.
std::shared_ptr<rendering::Renderer> tiny_renderer();

}  // namespace seedgrid::testing
