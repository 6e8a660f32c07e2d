#pragma once
// Finding a checkpoint by model id under a folder of models (`seedgrid audit --models-dir DIR`)
// without loading every checkpoint: a model id is the hash of all the weights, so computing one
// reads gigabytes. DIR/.seedgrid-model-index remembers, per checkpoint (a diffusers folder or a
// .safetensors file, in DIR or in its subfolders), the id it was found to have and the size and
// time of the files it was computed from; an entry whose files changed is computed again.
#include <string>

#include "models/result.hpp"

namespace seedgrid::verify {

inline constexpr const char* kModelIndexFile = ".seedgrid-model-index";

// The checkpoint under `models_dir` whose model id is `model_id`. Writes the index back (a
// read-only folder is searched all the same, just not remembered).
Result<std::string> find_model(const std::string& models_dir, const std::string& model_id);

}  // namespace seedgrid::verify
