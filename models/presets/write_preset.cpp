#include "models/presets/write_preset.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "models/clip/clip_config_json.hpp"
#include "models/clip/text_encoder.hpp"
#include "models/json/json_write.hpp"
#include "models/presets/preset.hpp"
#include "models/presets/random_init.hpp"
#include "models/unet/unet.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/vae/vae_config_json.hpp"
#include "models/weights/checkpoint.hpp"
#include "models/weights/infer_config.hpp"
#include "models/weights/original_layout.hpp"
#include "models/weights/safetensors_writer.hpp"
#include "models/weights/scheduler_config_json.hpp"

namespace seedgrid {

namespace {

namespace fs = std::filesystem;

struct Component {
  std::string name;  // "text_encoder", "unet", "vae"
  std::vector<ParamSpec> specs;
};

Result<void> write_text(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return fail("cannot create ", path.parent_path().string(), ": ", ec.message());
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return fail("cannot write ", path.string());
  return {};
}

Result<void> prepare_out_dir(const std::string& dir) {
  if (dir.empty()) return fail("no output directory given");
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return fail(dir, " exists and is not a directory");
    if (!fs::is_empty(dir, ec)) return fail("refusing to overwrite ", dir, ": it is not empty");
  }
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create ", dir, ": ", ec.message());
  return {};
}

json::Value model_index() {
  json::Value j = json::Object{};
  j.set("_class_name", "StableDiffusionPipeline");
  j.set("_diffusers_version", "0.21.4");
  j.set("feature_extractor", json::Array{nullptr, nullptr});
  j.set("requires_safety_checker", false);
  j.set("safety_checker", json::Array{nullptr, nullptr});
  j.set("scheduler", json::Array{"diffusers", "PNDMScheduler"});
  j.set("text_encoder", json::Array{"transformers", "CLIPTextModel"});
  j.set("tokenizer", json::Array{"transformers", "CLIPTokenizer"});
  j.set("unet", json::Array{"diffusers", "UNet2DConditionModel"});
  j.set("vae", json::Array{"diffusers", "AutoencoderKL"});
  return j;
}

Result<void> write_tokenizer(const fs::path& dir, const Preset& p) {
  const std::string eos = "<|endoftext|>";
  json::Value special = json::Object{};
  special.set("bos_token", "<|startoftext|>");
  special.set("eos_token", eos);
  special.set("pad_token", eos);
  special.set("unk_token", eos);
  json::Value config = json::Object{};
  config.set("add_prefix_space", false);
  config.set("bos_token", "<|startoftext|>");
  config.set("do_lower_case", true);
  config.set("eos_token", eos);
  config.set("errors", "replace");
  config.set("model_max_length", p.text.max_position_embeddings);
  config.set("pad_token", eos);
  config.set("tokenizer_class", "CLIPTokenizer");
  config.set("unk_token", eos);
  for (const auto& [name, text] :
       {std::pair{"vocab.json", bpe_vocab_json(p.tokenizer)},
        std::pair{"merges.txt", bpe_merges_txt(p.tokenizer)},
        std::pair{"special_tokens_map.json", json::write(special, 2) + "\n"},
        std::pair{"tokenizer_config.json", json::write(config, 2) + "\n"}})
    if (auto ok = write_text(dir / name, text); !ok) return ok;
  return {};
}

// Same configs, ignoring the token ids, which a loader takes from the tokenizer files.
bool same_text_config(ClipTextConfig a, ClipTextConfig b) {
  a.bos_token_id = b.bos_token_id;
  a.eos_token_id = b.eos_token_id;
  a.pad_token_id = b.pad_token_id;
  return clip_text_config_to_json(a) == clip_text_config_to_json(b);
}

Result<void> write_json(const fs::path& path, const json::Value& value) {
  return write_text(path, json::write(value, 2) + "\n");
}

// Makes the tensor of one parameter, stored with `shape` (its diffusers shape, or the original
// layout's where that differs).
using Generate = std::function<Tensor(const Component&, const ParamSpec&, const Shape&)>;

Result<std::string> write_diffusers_layout(const fs::path& dir, const Preset& p,
                                           const std::vector<Component>& components, DType dtype,
                                           const Generate& generate,
                                           const SafetensorsMetadata& metadata) {
  const std::map<std::string, std::pair<std::string, json::Value>> files{
      {"text_encoder", {"model.safetensors", clip_text_config_to_json(p.text)}},
      {"unet", {"diffusion_pytorch_model.safetensors", unet_config_to_json(p.unet)}},
      {"vae", {"diffusion_pytorch_model.safetensors", vae_config_to_json(p.vae)}}};
  for (const auto& c : components) {
    const auto& [weights_name, config] = files.at(c.name);
    if (auto ok = write_json(dir / c.name / "config.json", config); !ok)
      return pass_on(ok);
    std::map<std::string, const ParamSpec*> by_name;
    std::vector<TensorSpec> specs;
    for (const auto& s : c.specs) {
      by_name[s.name] = &s;
      specs.push_back({s.name, dtype, s.shape});
    }
    auto ok = write_safetensors((dir / c.name / weights_name).string(), std::move(specs),
                                [&](const TensorSpec& s) -> Result<Tensor> {
                                  return generate(c, *by_name.at(s.name), s.shape);
                                },
                                metadata);
    if (!ok) return pass_on(ok);
  }
  if (auto ok = write_json(dir / "model_index.json", model_index()); !ok)
    return pass_on(ok);
  if (auto ok = write_json(dir / "scheduler" / "scheduler_config.json",
                           scheduler_config_to_json(p.scheduler));
      !ok)
    return pass_on(ok);
  return dir.string();
}

Result<std::string> write_single_file_layout(const fs::path& dir, const Preset& p,
                                             const std::vector<Component>& components, DType dtype,
                                             const Generate& generate,
                                             const SafetensorsMetadata& metadata) {
  struct Placed {
    const Component* component;
    const ParamSpec* spec;
  };
  std::map<std::string, Placed> by_original;
  std::vector<TensorSpec> specs;
  ShapeMap unet_shapes, vae_shapes, text_shapes;
  for (const auto& c : components) {
    for (const auto& s : c.specs) {
      Result<std::string> original = c.name == "unet" ? unet_original_name(s.name, p.unet)
                                     : c.name == "vae"
                                         ? vae_original_name(s.name, p.vae)
                                         : Result<std::string>(clip_original_name(s.name));
      if (!original) return pass_on(original);
      Shape shape = s.shape;
      if (c.name == "vae" && is_vae_attention_projection(s.name))
        shape = {shape[0], shape[1], 1, 1};
      by_original[*original] = Placed{&c, &s};
      specs.push_back({*original, dtype, shape});
      const auto strip = [&](std::string_view prefix) { return original->substr(prefix.size()); };
      if (c.name == "unet")
        unet_shapes[strip(kOriginalUNetPrefix)] = shape;
      else if (c.name == "vae")
        vae_shapes[strip(kOriginalVaePrefix)] = shape;
      else
        text_shapes[strip(kOriginalClipPrefix)] = shape;
    }
  }
  const fs::path file = dir / "model.safetensors";
  auto ok = write_safetensors(
      file.string(), std::move(specs),
      [&](const TensorSpec& s) -> Result<Tensor> {
        const Placed& placed = by_original.at(s.name);
        return generate(*placed.component, *placed.spec, s.shape);
      },
      metadata);
  if (!ok) return pass_on(ok);

  // The sidecar, unless a loader infers exactly these configs from the shapes.
  auto unet = infer_unet_config(unet_shapes);
  auto vae = infer_vae_config(vae_shapes);
  auto text = infer_clip_text_config(text_shapes, false);
  const bool inferable = unet && unet_config_to_json(*unet) == unet_config_to_json(p.unet) && vae &&
                         vae_config_to_json(*vae) == vae_config_to_json(p.vae) && text &&
                         same_text_config(*text, p.text) &&
                         scheduler_config_to_json(infer_scheduler_config(*unet)) ==
                             scheduler_config_to_json(p.scheduler);
  if (!inferable) {
    json::Value sidecar = json::Object{};
    sidecar.set("unet", unet_config_to_json(p.unet));
    sidecar.set("vae", vae_config_to_json(p.vae));
    sidecar.set("text_encoder", clip_text_config_to_json(p.text));
    sidecar.set("scheduler", scheduler_config_to_json(p.scheduler));
    if (auto w = write_json(file.string() + ".json", sidecar); !w)
      return pass_on(w);
  }
  return file.string();
}

}  // namespace

Result<PresetWriteReport> write_preset(const PresetWriteOptions& options) {
  auto preset = find_preset(options.preset);
  if (!preset) return pass_on(preset);
  const Preset& p = *preset;
  const DType dtype = options.dtype.value_or(p.default_dtype);

  std::vector<Component> components(3);
  components[0].name = "text_encoder";
  components[1].name = "unet";
  components[2].name = "vae";
  auto text_specs = ClipTextEncoder::parameters(p.text);
  auto unet_specs = UNet::parameters(p.unet);
  auto vae_specs = AutoencoderKL::parameters(p.vae);
  if (!text_specs || !unet_specs || !vae_specs)
    return fail("preset ", p.name, " has an invalid config");  // a bug in preset.cpp
  components[0].specs = std::move(*text_specs);
  components[1].specs = std::move(*unet_specs);
  components[2].specs = std::move(*vae_specs);

  if (auto ok = prepare_out_dir(options.out_dir); !ok) return pass_on(ok);
  const fs::path dir(options.out_dir);

  PresetWriteReport report;
  report.dtype = dtype;
  report.tokenizer_dir = (dir / "tokenizer").string();
  std::int64_t total = 0;
  for (const auto& c : components) {
    ComponentSize size{c.name, 0, 0};
    for (const auto& s : c.specs) size.parameters += shape_numel(s.shape);
    size.bytes = size.parameters * static_cast<std::int64_t>(dtype_size(dtype));
    total += size.bytes;
    report.components.push_back(size);
  }
  std::int64_t done = 0;
  const Generate generate = [&](const Component& c, const ParamSpec& spec, const Shape& shape) {
    Tensor t = random_parameter(options.seed, c.name, spec).reshape(shape);
    if (dtype != DType::f32) t = host_to_dtype(t, dtype);
    done += static_cast<std::int64_t>(t.bytes());
    if (options.progress) options.progress(done, total);
    return t;
  };
  const SafetensorsMetadata metadata{{"format", "pt"},
                                     {"seedgrid.preset", p.name},
                                     {"seedgrid.seed", std::to_string(options.seed)}};

  if (auto ok = write_tokenizer(dir / "tokenizer", p); !ok) return pass_on(ok);
  auto path = options.layout == CheckpointLayout::diffusers
                  ? write_diffusers_layout(dir, p, components, dtype, generate, metadata)
                  : write_single_file_layout(dir, p, components, dtype, generate, metadata);
  if (!path) return pass_on(path);
  report.checkpoint_path = *path;

  CheckpointOptions load_options;
  load_options.tokenizer_dir = report.tokenizer_dir;
  auto loaded = load_checkpoint(report.checkpoint_path, load_options);
  if (!loaded) return context(loaded.error(), "reading back the written preset");
  report.model_id = loaded->model_id;
  return report;
}

}  // namespace seedgrid
