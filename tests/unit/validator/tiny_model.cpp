#include "tests/unit/validator/tiny_model.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "models/presets/write_preset.hpp"

namespace seedgrid::testing {
namespace {

[[noreturn]] void abort_with(const std::string& message) {
  std::fprintf(stderr, "tiny model: %s\n", message.c_str());
  std::abort();
}

struct WrittenModel {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("seedgrid-validator-tests-" + std::to_string(std::random_device{}()));
  TinyModel model;
  WrittenModel() {
    PresetWriteOptions o;
    o.preset = "tiny";
    o.seed = 5;
    o.out_dir = (dir / "tiny").string();
    auto report = write_preset(o);
    if (!report) abort_with(report.error().message);
    model = {report->checkpoint_path, report->model_id};
  }
  ~WrittenModel() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

const TinyModel& tiny_model() {
  static const WrittenModel written;
  return written.model;
}

config::RenderingSection tiny_rendering() {
  config::RenderingSection r;
  r.models.push_back({tiny_model().checkpoint_path, ""});
  r.threads = 1;
  return r;
}

std::shared_ptr<rendering::Renderer> tiny_renderer() {
  auto loaded = rendering::Renderer::load(tiny_rendering(), false);
  if (!loaded) abort_with(loaded.error().message);
  return *loaded;
}

}  // namespace seedgrid::testing
