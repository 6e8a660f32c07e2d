#include "preset_model.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

namespace seedgrid::testing {

namespace {

struct TempModels {
  std::filesystem::path root = std::filesystem::temp_directory_path() /
                               ("seedgrid_pipeline_test_" + std::to_string(::getpid()));
  std::map<std::string, PresetWriteReport> written;
  std::mutex mutex;
  ~TempModels() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
};

TempModels& models() {
  static TempModels m;
  return m;
}

}  // namespace

const PresetWriteReport& preset_model(const std::string& preset, std::uint64_t seed) {
  TempModels& m = models();
  std::lock_guard lock(m.mutex);
  const std::string key = preset + "-" + std::to_string(seed);
  if (auto it = m.written.find(key); it != m.written.end()) return it->second;
  PresetWriteOptions o;
  o.preset = preset;
  o.seed = seed;
  o.out_dir = (m.root / key).string();
  auto report = write_preset(o);
  if (!report) {
    std::fprintf(stderr, "cannot write the %s preset: %s\n", preset.c_str(),
                 report.error().message.c_str());
    std::abort();
  }
  return m.written.emplace(key, std::move(*report)).first->second;
}

}  // namespace seedgrid::testing
