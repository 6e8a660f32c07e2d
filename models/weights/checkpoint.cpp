#include "models/weights/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "models/clip/text_encoder.hpp"
#include "models/unet/unet.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/weights/checkpoint_layouts.hpp"
#include "models/weights/model_id.hpp"
#include "models/weights/model_id_cache.hpp"
#include "models/weights/tokenizer_special_ids.hpp"

namespace seedgrid {

namespace {

namespace fs = std::filesystem;

Result<void> use_tokenizer(Checkpoint& ck, const CheckpointOptions& options) {
  if (!options.tokenizer_dir.empty()) {
    const fs::path dir(options.tokenizer_dir);
    if (!fs::is_directory(dir))
      return fail("tokenizer directory ", options.tokenizer_dir, " does not exist");
    ck.vocab_path = (dir / "vocab.json").string();
    ck.merges_path = (dir / "merges.txt").string();
  }
  if (ck.vocab_path.empty()) return {};
  for (const auto& p : {ck.vocab_path, ck.merges_path})
    if (!fs::exists(p)) return fail("tokenizer file ", p, " is missing");
  auto ids = read_tokenizer_special_ids(ck.vocab_path);
  if (!ids) return pass_on(ids);
  if (ids->vocab_size > ck.text_config.vocab_size)
    return fail(ck.vocab_path, " has ", ids->vocab_size,
                " tokens, but the text encoder embeds only ", ck.text_config.vocab_size);
  ck.text_config.bos_token_id = ids->bos;
  ck.text_config.eos_token_id = ids->eos;
  ck.text_config.pad_token_id = ids->pad;
  return {};
}

// What a path names: a diffusers folder, a single file, or a folder holding one single file (what
// `seedgrid mkmodel --layout single-file` writes: model.safetensors, its sidecar and tokenizer/).
// A tokenizer/ folder beside a single file is its tokenizer unless the caller names one.
struct CheckpointPath {
  std::string weights;     // the folder or the .safetensors file
  bool diffusers = false;
  std::string tokenizer_dir;
};

Result<CheckpointPath> resolve_checkpoint_path(const std::string& path,
                                               const CheckpointOptions& options) {
  std::error_code ec;
  CheckpointPath out{path, fs::is_directory(path, ec), options.tokenizer_dir};
  if (out.diffusers && !fs::exists(fs::path(path) / "unet") && !fs::exists(fs::path(path) / "vae")) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".safetensors")
        files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    if (files.size() > 1)
      return fail(path, " holds ", files.size(), " .safetensors files (", quoted_names(files),
                  "): name the one to load");
    if (files.size() == 1) {
      out.weights = files.front();
      out.diffusers = false;
    }
  }
  if (!out.diffusers && out.tokenizer_dir.empty()) {
    const fs::path beside = fs::path(out.weights).parent_path() / "tokenizer";
    if (fs::exists(beside / "vocab.json", ec)) out.tokenizer_dir = beside.string();
  }
  return out;
}

}  // namespace

Result<void> check_weights_match(const WeightSet& weights, const std::vector<ParamSpec>& expected) {
  const std::string where = weights.label();
  std::set<std::string_view> wanted;
  for (const auto& spec : expected) {
    wanted.insert(spec.name);
    const Tensor* t = weights.find(spec.name);
    if (!t)
      return fail(where, ": tensor \"", spec.name, "\" is missing (the config expects shape ",
                  shape_string(spec.shape), ")");
    if (t->shape() != spec.shape)
      return fail(where, ": tensor \"", spec.name, "\" has shape ", shape_string(t->shape()),
                  ", but the config expects ", shape_string(spec.shape));
  }
  std::vector<std::string> extra;
  for (const auto& name : weights.names())
    if (!wanted.contains(name)) extra.push_back(name);
  if (extra.empty()) return {};
  return fail(where, ": ", extra.size(),
              " tensors are not part of the network the config describes (config and weights do "
              "not match): ",
              quoted_names(extra));
}

Result<NetworkConfigs> read_network_configs(const std::string& path,
                                            const CheckpointOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return fail("checkpoint ", path, " does not exist");
  auto where = resolve_checkpoint_path(path, options);
  if (!where) return pass_on(where);
  return where->diffusers ? read_diffusers_configs(where->weights)
                          : read_single_file_configs(where->weights);
}

Result<Checkpoint> load_checkpoint(const std::string& path, const CheckpointOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return fail("checkpoint ", path, " does not exist");
  auto where = resolve_checkpoint_path(path, options);
  if (!where) return pass_on(where);
  auto ck = where->diffusers ? read_diffusers_folder(where->weights)
                             : read_single_file(where->weights);
  if (!ck) return ck;
  CheckpointOptions resolved = options;
  resolved.tokenizer_dir = where->tokenizer_dir;
  if (auto ok = use_tokenizer(*ck, resolved); !ok) return pass_on(ok);

  auto unet = UNet::parameters(ck->unet_config);
  if (!unet) return context(unet.error(), path);
  auto vae = AutoencoderKL::parameters(ck->vae_config);
  if (!vae) return context(vae.error(), path);
  auto text = ClipTextEncoder::parameters(ck->text_config);
  if (!text) return context(text.error(), path);
  for (auto [set, specs] : {std::pair{&ck->unet, &*unet}, std::pair{&ck->vae, &*vae},
                            std::pair{&ck->text_encoder, &*text}})
    if (auto ok = check_weights_match(*set, *specs); !ok) return pass_on(ok);

  if (auto cached = cached_model_id(where->weights)) {
    ck->model_id = std::move(*cached);
  } else {
    ck->model_id = compute_model_id(ck->text_encoder, ck->unet, ck->vae);
    (void)remember_model_id(where->weights, ck->model_id);  // best effort: a read-only folder is fine
  }
  return ck;
}

}  // namespace seedgrid
