#pragma once
// The tiny preset model written into `dir` and a one-thread Renderer over it, for the worker's tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "actors/rendering/renderer.hpp"
#include "models/presets/write_preset.hpp"

namespace seedgrid::worker::testing {

struct TinyRenderer {
  std::string model_id;
  std::shared_ptr<rendering::Renderer> renderer;  // null (and a test failure) when it did not load
};

inline TinyRenderer load_tiny_renderer(const std::filesystem::path& dir, bool benchmark_tasks) {
  PresetWriteOptions o;
  o.preset = "tiny";
  o.seed = 3;
  o.out_dir = (dir / "tiny").string();
  auto report = write_preset(o);
  EXPECT_TRUE(report) << report.error().message;
  if (!report) return {};
  config::RenderingSection r;
  r.models.push_back({report->checkpoint_path, ""});
  r.threads = 1;
  auto loaded = rendering::Renderer::load(r, benchmark_tasks);
  EXPECT_TRUE(loaded) << loaded.error().message;
  if (!loaded) return {};
  return {report->model_id, *loaded};
}

}  // namespace seedgrid::worker::testing
