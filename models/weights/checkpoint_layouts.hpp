#pragma once
// The two on-disk layouts load_checkpoint reads (internal to models/weights). Each fills the
// configs, the three WeightSets (diffusers names) and, for a folder, the tokenizer paths;
// load_checkpoint then checks weights against configs and computes the model id.
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "models/weights/checkpoint.hpp"

namespace seedgrid {

Result<Checkpoint> read_diffusers_folder(const std::string& dir);
Result<Checkpoint> read_single_file(const std::string& path);
// The UNet and VAE configs alone (read_network_configs).
Result<NetworkConfigs> read_diffusers_configs(const std::string& dir);
Result<NetworkConfigs> read_single_file_configs(const std::string& path);

// transformers keeps an int64 position_ids buffer in CLIP checkpoints; it is not a weight.
inline bool is_position_ids(std::string_view name) {
  return name.ends_with("embeddings.position_ids");
}

}  // namespace seedgrid
