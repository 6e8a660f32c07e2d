// One original-layout .safetensors file (CompVis / Stability names), renamed to diffusers names.
// Configs come from the sidecar "<file>.json" where present ({"unet": {...}, "vae": {...},
// "text_encoder": {...}, "scheduler": {...}}, each the diffusers/transformers config.json
// contents, each optional), else they are inferred from tensor shapes (infer_config.hpp).
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "models/clip/clip_config_json.hpp"
#include "models/clip/text_encoder.hpp"
#include "models/json/json_parse.hpp"
#include "models/unet/unet.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/vae/vae_config_json.hpp"
#include "models/weights/checkpoint_layouts.hpp"
#include "models/weights/infer_config.hpp"
#include "models/weights/original_layout.hpp"
#include "models/weights/safetensors_reader.hpp"
#include "models/weights/scheduler_config_json.hpp"

namespace seedgrid {

namespace {

// Tensors of one component, by their name below the component's prefix.
using Entries = std::map<std::string, Tensor, std::less<>>;

struct Components {
  Entries unet, vae, text;
  bool open_clip = false;
};

ShapeMap shapes_of(const Entries& e) {
  ShapeMap m;
  for (const auto& [name, t] : e) m.emplace(name, t.shape());
  return m;
}

bool is_ignored(std::string_view name) {
  // Training leftovers that sit under the component prefixes in some checkpoints.
  return name.starts_with("first_stage_model.loss.") || is_position_ids(name);
}

Result<Components> split_components(SafetensorsFile& file) {
  Components c;
  for (auto& e : file.entries) {
    std::string_view name = e.name;
    if (is_ignored(name)) continue;
    if (name.starts_with(kOriginalUNetPrefix)) {
      c.unet.emplace(name.substr(kOriginalUNetPrefix.size()), std::move(e.tensor));
    } else if (name.starts_with(kOriginalVaePrefix)) {
      c.vae.emplace(name.substr(kOriginalVaePrefix.size()), std::move(e.tensor));
    } else if (name.starts_with(kOriginalClipPrefix)) {
      std::string rest(name.substr(kOriginalClipPrefix.size()));
      // Older transformers exports have no "text_model." level.
      if (!rest.starts_with("text_model.")) rest = "text_model." + rest;
      c.text.emplace(std::move(rest), std::move(e.tensor));
    } else if (name.starts_with(kOriginalOpenClipPrefix)) {
      c.open_clip = true;
      c.text.emplace(name.substr(kOriginalOpenClipPrefix.size()), std::move(e.tensor));
    }
  }
  const auto missing = [&](std::string_view what, std::string_view prefix) {
    return fail(file.path, ": not a Stable Diffusion checkpoint: no ", what,
                " tensors (names starting \"", prefix, "\")");
  };
  if (c.unet.empty()) return missing("UNet", kOriginalUNetPrefix);
  if (c.vae.empty()) return missing("VAE", kOriginalVaePrefix);
  if (c.text.empty()) return missing("text encoder", "cond_stage_model.");
  return c;
}

// Moves each tensor a spec names from `entries` (under its original name) into `set` (under the
// diffusers name); the VAE's 1x1-conv attention projections become linears.
Result<void> rename_into(WeightSet& set, Entries& entries, const std::vector<ParamSpec>& specs,
                         const std::function<Result<std::string>(const std::string&)>& original,
                         std::string_view prefix, const std::string& path) {
  set.set_source(path);
  for (const auto& spec : specs) {
    auto full = original(spec.name);
    if (!full) return pass_on(full);
    const std::string_view name = std::string_view(*full).substr(prefix.size());
    auto it = entries.find(name);
    if (it == entries.end())
      return fail(path, ": tensor \"", *full, "\" (diffusers \"", spec.name, "\") is missing; the ",
                  set.component(), " config expects shape ", shape_string(spec.shape));
    Tensor t = it->second;
    if (t.shape() != spec.shape && is_vae_attention_projection(spec.name) &&
        t.numel() == shape_numel(spec.shape))
      t = t.reshape(spec.shape);
    if (t.shape() != spec.shape)
      return fail(path, ": tensor \"", *full, "\" has shape ", shape_string(t.shape()),
                  ", but the ", set.component(), " config expects ", shape_string(spec.shape));
    set.insert(spec.name, std::move(t));
    entries.erase(it);
  }
  if (!entries.empty()) {
    std::vector<std::string> left;
    for (const auto& [name, t] : entries) left.push_back(std::string(prefix) + name);
    return fail(path, ": ", left.size(), " ", set.component(),
                " tensors are not part of the network its config describes: ", quoted_names(left));
  }
  return {};
}

// OpenCLIP (SD 2.x) -> transformers names: q/k/v split out of the fused in_proj, the last
// resblock, text_projection and logit_scale dropped (SD 2 uses the penultimate layer).
Result<void> convert_open_clip(WeightSet& set, Entries& entries, const ClipTextConfig& config,
                               const std::string& path) {
  set.set_source(path);
  const int layers = config.num_hidden_layers;
  const std::int64_t hidden = config.hidden_size;
  std::vector<std::string> left;
  for (auto& [name, t] : entries) {
    const std::string full = std::string(kOriginalOpenClipPrefix) + name;
    if (name == "token_embedding.weight") {
      set.insert("text_model.embeddings.token_embedding.weight", t);
    } else if (name == "positional_embedding") {
      set.insert("text_model.embeddings.position_embedding.weight", t);
    } else if (name.starts_with("ln_final.")) {
      set.insert("text_model.final_layer_norm." + name.substr(9), t);
    } else if (name == "text_projection" || name == "logit_scale" || name == "attn_mask") {
      continue;
    } else if (name.starts_with("transformer.resblocks.")) {
      const std::string rest = name.substr(22);
      const std::size_t dot = rest.find('.');
      int layer = -1;
      const auto [end, ec] =
          std::from_chars(rest.data(), rest.data() + std::min(dot, rest.size()), layer);
      if (ec != std::errc() || dot == std::string::npos || end != rest.data() + dot) {
        left.push_back(full);
        continue;
      }
      const std::string member = rest.substr(dot + 1);
      if (layer == layers) continue;  // the unused last resblock
      const std::string to = "text_model.encoder.layers." + std::to_string(layer) + ".";
      static const std::map<std::string, std::string> kRenames{
          {"ln_1.weight", "layer_norm1.weight"},
          {"ln_1.bias", "layer_norm1.bias"},
          {"ln_2.weight", "layer_norm2.weight"},
          {"ln_2.bias", "layer_norm2.bias"},
          {"attn.out_proj.weight", "self_attn.out_proj.weight"},
          {"attn.out_proj.bias", "self_attn.out_proj.bias"},
          {"mlp.c_fc.weight", "mlp.fc1.weight"},
          {"mlp.c_fc.bias", "mlp.fc1.bias"},
          {"mlp.c_proj.weight", "mlp.fc2.weight"},
          {"mlp.c_proj.bias", "mlp.fc2.bias"}};
      if (auto r = kRenames.find(member); r != kRenames.end()) {
        set.insert(to + r->second, t);
      } else if (member == "attn.in_proj_weight" || member == "attn.in_proj_bias") {
        if (t.rank() < 1 || t.dim(0) != 3 * hidden)
          return fail(path, ": tensor \"", full, "\" has shape ", shape_string(t.shape()),
                      ", expected ", 3 * hidden, " rows (q, k and v of width ", hidden, ")");
        const std::string kind = member == "attn.in_proj_weight" ? "weight" : "bias";
        set.insert(to + "self_attn.q_proj." + kind, t.slice(0, hidden));
        set.insert(to + "self_attn.k_proj." + kind, t.slice(hidden, 2 * hidden));
        set.insert(to + "self_attn.v_proj." + kind, t.slice(2 * hidden, 3 * hidden));
      } else {
        left.push_back(full);
      }
    } else {
      left.push_back(full);
    }
  }
  if (!left.empty())
    return fail(path, ": ", left.size(),
                " OpenCLIP tensors have no text encoder counterpart: ", quoted_names(left));
  return {};
}

struct Sidecar {
  const json::Value* unet = nullptr;
  const json::Value* vae = nullptr;
  const json::Value* text_encoder = nullptr;
  const json::Value* scheduler = nullptr;
};

Result<Sidecar> parse_sidecar(const json::Value& root, const std::string& path) {
  if (!root.is_object())
    return fail(path,
                ": expected a JSON object with \"unet\", \"vae\", \"text_encoder\", \"scheduler\"");
  Sidecar s;
  for (const auto& [key, value] : root.as_object()) {
    if (key == "unet")
      s.unet = &value;
    else if (key == "vae")
      s.vae = &value;
    else if (key == "text_encoder")
      s.text_encoder = &value;
    else if (key == "scheduler")
      s.scheduler = &value;
    else
      return fail(path, ": unknown key \"", key,
                  "\" (expected \"unet\", \"vae\", \"text_encoder\", \"scheduler\")");
  }
  return s;
}

template <class Config>
Result<Config> config_of(const json::Value* sidecar_entry, const std::string& sidecar_path,
                         std::string_view key,
                         Result<Config> (*parse)(const json::Value&, const std::string&),
                         const std::function<Result<Config>()>& infer, const std::string& path) {
  if (sidecar_entry) return parse(*sidecar_entry, sidecar_path + " [" + std::string(key) + "]");
  auto inferred = infer();
  if (!inferred)
    return fail(
        path, ": cannot infer the ", key, " config from tensor shapes: ", inferred.error().message,
        ". Give the configs in a sidecar file ", sidecar_path,
        ": {\"unet\": {...}, \"vae\": {...}, \"text_encoder\": {...}, \"scheduler\": {...}}, "
        "each the contents of the diffusers config.json");
  return inferred;
}

Result<void> check_safetensors_name(const std::string& path) {
  if (path.ends_with(".safetensors")) return {};
  return fail(path,
              ": seedgrid reads single-file checkpoints only as .safetensors (pickled .ckpt "
              "files can run code; convert them first)");
}

// The original-layout file's tensors by network: views of the mapped file (each keeps the
// mapping alive), so nothing but the header is read here.
Result<Components> read_components(const std::string& path) {
  if (auto ok = check_safetensors_name(path); !ok) return pass_on(ok);
  SafetensorsReadOptions options;
  options.skip_other_dtypes = [](std::string_view name) {
    // Only the three networks' weights matter; counters, EMA state and buffers are skipped.
    return is_ignored(name) ||
           !(name.starts_with(kOriginalUNetPrefix) || name.starts_with(kOriginalVaePrefix) ||
             name.starts_with("cond_stage_model."));
  };
  auto file = read_safetensors(path, options);
  if (!file) return pass_on(file);
  return split_components(*file);
}

// The sidecar "<path>.json" as JSON: an empty object when there is none.
Result<json::Value> sidecar_root_of(const std::string& sidecar_path) {
  if (!std::filesystem::exists(sidecar_path)) return json::Value{json::Object{}};
  return json::parse_file(sidecar_path);
}

Result<UNetConfig> unet_config_of(const Sidecar& sidecar, const std::string& sidecar_path,
                                  const Components* parts, const std::string& path) {
  return config_of<UNetConfig>(
      sidecar.unet, sidecar_path, "unet", parse_unet_config,
      [&] { return infer_unet_config(shapes_of(parts->unet)); }, path);
}

Result<VaeConfig> vae_config_of(const Sidecar& sidecar, const std::string& sidecar_path,
                                const Components* parts, const std::string& path) {
  return config_of<VaeConfig>(
      sidecar.vae, sidecar_path, "vae", parse_vae_config,
      [&] { return infer_vae_config(shapes_of(parts->vae)); }, path);
}

}  // namespace

Result<NetworkConfigs> read_single_file_configs(const std::string& path) {
  if (auto ok = check_safetensors_name(path); !ok) return pass_on(ok);
  const std::string sidecar_path = path + ".json";
  auto root = sidecar_root_of(sidecar_path);
  if (!root) return pass_on(root);
  auto sidecar = parse_sidecar(*root, sidecar_path);
  if (!sidecar) return pass_on(sidecar);
  // The header's shapes only where the sidecar leaves a config out.
  std::optional<Components> parts;
  if (!sidecar->unet || !sidecar->vae) {
    auto read = read_components(path);
    if (!read) return pass_on(read);
    parts = std::move(*read);
  }
  const Components* shapes = parts ? &*parts : nullptr;
  auto unet = unet_config_of(*sidecar, sidecar_path, shapes, path);
  if (!unet) return pass_on(unet);
  auto vae = vae_config_of(*sidecar, sidecar_path, shapes, path);
  if (!vae) return pass_on(vae);
  return NetworkConfigs{std::move(*unet), std::move(*vae)};
}

Result<Checkpoint> read_single_file(const std::string& path) {
  auto parts = read_components(path);
  if (!parts) return pass_on(parts);

  const std::string sidecar_path = path + ".json";
  auto sidecar_root = sidecar_root_of(sidecar_path);
  if (!sidecar_root) return pass_on(sidecar_root);
  auto sidecar = parse_sidecar(*sidecar_root, sidecar_path);
  if (!sidecar) return pass_on(sidecar);

  Checkpoint ck;
  ck.source = path;
  auto unet = unet_config_of(*sidecar, sidecar_path, &*parts, path);
  if (!unet) return pass_on(unet);
  ck.unet_config = *unet;
  auto vae = vae_config_of(*sidecar, sidecar_path, &*parts, path);
  if (!vae) return pass_on(vae);
  ck.vae_config = *vae;
  auto text = config_of<ClipTextConfig>(
      sidecar->text_encoder, sidecar_path, "text_encoder", parse_clip_text_config,
      [&] { return infer_clip_text_config(shapes_of(parts->text), parts->open_clip); }, path);
  if (!text) return pass_on(text);
  ck.text_config = *text;
  if (sidecar->scheduler) {
    auto s = parse_scheduler_config(*sidecar->scheduler, sidecar_path + " [scheduler]");
    if (!s) return pass_on(s);
    ck.scheduler_config = *s;
  } else {
    ck.scheduler_config = infer_scheduler_config(ck.unet_config);
  }

  auto unet_specs = UNet::parameters(ck.unet_config);
  if (!unet_specs) return pass_on(unet_specs);
  if (auto ok = rename_into(
          ck.unet, parts->unet, *unet_specs,
          [&](const std::string& n) { return unet_original_name(n, ck.unet_config); },
          kOriginalUNetPrefix, path);
      !ok)
    return pass_on(ok);

  auto vae_specs = AutoencoderKL::parameters(ck.vae_config);
  if (!vae_specs) return pass_on(vae_specs);
  if (auto ok = rename_into(
          ck.vae, parts->vae, *vae_specs,
          [&](const std::string& n) { return vae_original_name(n, ck.vae_config); },
          kOriginalVaePrefix, path);
      !ok)
    return pass_on(ok);

  if (parts->open_clip) {
    if (auto ok = convert_open_clip(ck.text_encoder, parts->text, ck.text_config, path); !ok)
      return pass_on(ok);
  } else {
    auto text_specs = ClipTextEncoder::parameters(ck.text_config);
    if (!text_specs) return pass_on(text_specs);
    if (auto ok = rename_into(
            ck.text_encoder, parts->text, *text_specs,
            [](const std::string& n) -> Result<std::string> { return clip_original_name(n); },
            kOriginalClipPrefix, path);
        !ok)
      return pass_on(ok);
  }
  return ck;
}

}  // namespace seedgrid
