#pragma once
// Writes a preset (preset.hpp) to disk as a checkpoint load_checkpoint reads:
//   diffusers layout    DIR/model_index.json, unet/, vae/, text_encoder/ (config.json + weights),
//                       tokenizer/ (vocab.json, merges.txt, special_tokens_map.json,
//                       tokenizer_config.json), scheduler/scheduler_config.json
//   single-file layout  DIR/model.safetensors with original (CompVis) names, DIR/tokenizer/, and
//                       the sidecar DIR/model.safetensors.json with the configs when they cannot
//                       be inferred from shapes (tiny, small)
// Tensors are generated and written one at a time (the sd15 preset never sits in memory whole).
// The model id is computed by loading the written checkpoint back, so it is exactly what
// load_checkpoint reports for it; both layouts of one preset and seed give the same id.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

enum class CheckpointLayout { diffusers, single_file };

struct PresetWriteOptions {
  std::string preset = "tiny";  // tiny, small, sd15
  std::uint64_t seed = 0;
  std::string out_dir;  // created; must not exist or be empty
  CheckpointLayout layout = CheckpointLayout::diffusers;
  std::optional<DType> dtype;  // default: f32 for tiny and small, f16 for sd15
  // Called after each tensor is written, with bytes of weights written so far and in total.
  std::function<void(std::int64_t done, std::int64_t total)> progress;
};

struct ComponentSize {
  std::string component;  // "text_encoder", "unet", "vae"
  std::int64_t parameters = 0;
  std::int64_t bytes = 0;
};

struct PresetWriteReport {
  std::string model_id;
  std::string checkpoint_path;  // what load_checkpoint takes: DIR, or DIR/model.safetensors
  std::string tokenizer_dir;    // DIR/tokenizer
  DType dtype = DType::f32;
  std::vector<ComponentSize> components;
};

Result<PresetWriteReport> write_preset(const PresetWriteOptions& options);

}  // namespace seedgrid
