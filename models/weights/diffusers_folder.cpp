// A diffusers pipeline folder: model_index.json (optional), unet/, vae/, text_encoder/ (each a
// config.json and safetensors weights), tokenizer/ (vocab.json, merges.txt) and scheduler/.
#include <array>
#include <filesystem>
#include <tuple>
#include <utility>

#include "models/clip/clip_config_json.hpp"
#include "models/json/json_parse.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/vae/vae_config_json.hpp"
#include "models/weights/checkpoint_layouts.hpp"
#include "models/weights/safetensors_reader.hpp"
#include "models/weights/scheduler_config_json.hpp"

namespace seedgrid {

namespace {

namespace fs = std::filesystem;

// The weights file of one component: the safetensors name, else its fp16 variant.
Result<std::string> weights_file(const fs::path& dir, std::string_view stem) {
  const std::array<std::string, 2> candidates{std::string(stem) + ".safetensors",
                                              std::string(stem) + ".fp16.safetensors"};
  for (const auto& c : candidates)
    if (fs::exists(dir / c)) return (dir / c).string();
  for (const char* pickle : {"diffusion_pytorch_model.bin", "pytorch_model.bin"})
    if (fs::exists(dir / pickle))
      return fail((dir / candidates[0]).string(), " is missing; ", (dir / pickle).string(),
                  " is a pickle, which seedgrid does not load (convert it to safetensors)");
  return fail((dir / candidates[0]).string(), " is missing");
}

Result<json::Value> config_file(const fs::path& path) {
  if (!fs::exists(path)) return fail(path.string(), " is missing");
  return json::parse_file(path.string());
}

// Older diffusers exports name the VAE attention's projections query/key/value/proj_attn.
std::string modern_vae_name(const std::string& name) {
  static constexpr std::pair<std::string_view, std::string_view> kRenames[] = {
      {".attentions.0.query.", ".attentions.0.to_q."},
      {".attentions.0.key.", ".attentions.0.to_k."},
      {".attentions.0.value.", ".attentions.0.to_v."},
      {".attentions.0.proj_attn.", ".attentions.0.to_out.0."}};
  for (const auto& [old_part, new_part] : kRenames)
    if (auto at = name.find(old_part); at != std::string::npos)
      return name.substr(0, at) + std::string(new_part) + name.substr(at + old_part.size());
  return name;
}

Result<void> read_weights(WeightSet& set, const std::string& path, bool vae) {
  SafetensorsReadOptions options;
  options.skip_other_dtypes = [](std::string_view name) { return is_position_ids(name); };
  auto file = read_safetensors(path, options);
  if (!file) return pass_on(file);
  set.set_source(path);
  for (auto& e : file->entries) {
    if (is_position_ids(e.name)) continue;
    const std::string name = vae ? modern_vae_name(e.name) : e.name;
    if (set.contains(name))
      return fail(path, ": tensor \"", e.name, "\" duplicates \"", name,
                  "\" (old and new VAE names)");
    set.insert(name, std::move(e.tensor));
  }
  return {};
}

}  // namespace

Result<NetworkConfigs> read_diffusers_configs(const std::string& dir_name) {
  const fs::path dir(dir_name);
  if (fs::exists(dir / "model_index.json")) {
    auto index = json::parse_file((dir / "model_index.json").string());
    if (!index) return pass_on(index);
  }
  if (!fs::exists(dir / "unet") && !fs::exists(dir / "vae"))
    return fail(dir_name,
                " is neither a diffusers folder (no unet/ or vae/ inside) nor a "
                ".safetensors file");

  auto unet_json = config_file(dir / "unet" / "config.json");
  if (!unet_json) return pass_on(unet_json);
  auto unet = parse_unet_config(*unet_json, (dir / "unet" / "config.json").string());
  if (!unet) return pass_on(unet);

  auto vae_json = config_file(dir / "vae" / "config.json");
  if (!vae_json) return pass_on(vae_json);
  auto vae = parse_vae_config(*vae_json, (dir / "vae" / "config.json").string());
  if (!vae) return pass_on(vae);
  return NetworkConfigs{std::move(*unet), std::move(*vae)};
}

Result<Checkpoint> read_diffusers_folder(const std::string& dir_name) {
  const fs::path dir(dir_name);
  Checkpoint ck;
  ck.source = dir_name;
  auto networks = read_diffusers_configs(dir_name);
  if (!networks) return pass_on(networks);
  ck.unet_config = std::move(networks->unet);
  ck.vae_config = std::move(networks->vae);

  auto text_json = config_file(dir / "text_encoder" / "config.json");
  if (!text_json) return pass_on(text_json);
  auto text = parse_clip_text_config(*text_json, (dir / "text_encoder" / "config.json").string());
  if (!text) return pass_on(text);
  ck.text_config = *text;

  auto scheduler_json = config_file(dir / "scheduler" / "scheduler_config.json");
  if (!scheduler_json) return pass_on(scheduler_json);
  auto scheduler = parse_scheduler_config(*scheduler_json,
                                          (dir / "scheduler" / "scheduler_config.json").string());
  if (!scheduler) return pass_on(scheduler);
  ck.scheduler_config = *scheduler;

  for (auto [set, sub, stem] : {std::tuple{&ck.unet, "unet", "diffusion_pytorch_model"},
                                std::tuple{&ck.vae, "vae", "diffusion_pytorch_model"},
                                std::tuple{&ck.text_encoder, "text_encoder", "model"}}) {
    auto file = weights_file(dir / sub, stem);
    if (!file) return pass_on(file);
    if (auto ok = read_weights(*set, *file, set == &ck.vae); !ok)
      return pass_on(ok);
  }

  if (fs::exists(dir / "tokenizer" / "vocab.json")) {
    ck.vocab_path = (dir / "tokenizer" / "vocab.json").string();
    ck.merges_path = (dir / "tokenizer" / "merges.txt").string();
  }
  return ck;
}

}  // namespace seedgrid
