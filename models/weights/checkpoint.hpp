#pragma once
// A Stable Diffusion checkpoint read from disk: either a diffusers folder
// (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/) or one original-layout
// .safetensors file (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*), whose
// keys are renamed to diffusers names so everything downstream sees one layout.
#include <string>
#include <vector>

#include "models/clip/clip_config.hpp"
#include "models/result.hpp"
#include "models/samplers/scheduler_config.hpp"
#include "models/unet/unet_config.hpp"
#include "models/vae/vae_config.hpp"
#include "models/weights/param_source.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

// Loading validates everything it can before a network is built: configs (types, supported
// values), every tensor against the parameters its config implies (names and shapes, nothing
// missing, nothing left over), and the tokenizer. The text config's bos/eos/pad token ids are
// taken from the tokenizer files when there are any (vocab.json, special_tokens_map.json), since
// that is where they are defined. Missing files are errors naming the path.
struct Checkpoint {
  std::string source;    // the path it was loaded from
  std::string model_id;  // SHA-256 (hex) of the weights; identical for both layouts of one model
  UNetConfig unet_config;
  VaeConfig vae_config;
  ClipTextConfig text_config;
  SchedulerConfig scheduler_config;
  WeightSet unet{"unet"};
  WeightSet vae{"vae"};
  WeightSet text_encoder{"text_encoder"};
  // tokenizer/vocab.json and tokenizer/merges.txt; empty when the checkpoint carries none (a single
  // file), in which case CheckpointOptions::tokenizer_dir must name them.
  std::string vocab_path;
  std::string merges_path;
};

struct CheckpointOptions {
  std::string tokenizer_dir;  // overrides or supplies vocab.json + merges.txt
};

// `path`: a diffusers folder, a single original-layout .safetensors file (configs from the
// sidecar "<path>.json" when present, else inferred from shapes; see infer_config.hpp), or a folder
// holding one such file. A single file's tokenizer is options.tokenizer_dir, else the tokenizer/
// folder beside it.
Result<Checkpoint> load_checkpoint(const std::string& path, const CheckpointOptions& options = {});

// What a checkpoint's networks are, read without its weights where its layout allows: a diffusers
// folder's unet/ and vae/ config.json, a single file's sidecar (else the shapes in its
// safetensors header: the file is mapped, its tensors not read). Enough for what the model can
// render (render_limits_of), so a size it cannot render is refused before minutes of loading.
// Errors are the ones load_checkpoint gives for the same files.
struct NetworkConfigs {
  UNetConfig unet;
  VaeConfig vae;
};
Result<NetworkConfigs> read_network_configs(const std::string& path,
                                            const CheckpointOptions& options = {});

// The check load_checkpoint applies to each component: `weights` holds exactly the parameters in
// `expected`, each of its shape. Errors name the component, its source and the tensor.
Result<void> check_weights_match(const WeightSet& weights, const std::vector<ParamSpec>& expected);

}  // namespace seedgrid
