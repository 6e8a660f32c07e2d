#include "models/weights/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/json/json_parse.hpp"
#include "models/json/json_write.hpp"
#include "models/presets/preset.hpp"
#include "models/presets/write_preset.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/weights/model_id.hpp"
#include "models/weights/model_id_cache.hpp"
#include "models/weights/original_layout.hpp"
#include "models/weights/safetensors_reader.hpp"
#include "models/weights/safetensors_writer.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using seedgrid::test::TestDir;
namespace fs = std::filesystem;

namespace {

PresetWriteReport write_tiny(const std::string& dir, std::uint64_t seed = 5,
                             CheckpointLayout layout = CheckpointLayout::diffusers) {
  PresetWriteOptions o;
  o.preset = "tiny";
  o.seed = seed;
  o.out_dir = dir;
  o.layout = layout;
  auto r = write_preset(o);
  EXPECT_TRUE(r) << r.error().message;
  return r.value_or(PresetWriteReport{});
}

std::string load_error(const std::string& path, const CheckpointOptions& options = {}) {
  auto ck = load_checkpoint(path, options);
  EXPECT_FALSE(ck.has_value()) << "loaded " << path;
  return ck ? std::string() : ck.error().message;
}

void expect_contains(const std::string& text, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    EXPECT_NE(text.find(p), std::string::npos) << "\"" << p << "\" not in: " << text;
}

// Edits a JSON file in place.
void edit_json(const std::string& path, const std::function<void(json::Value&)>& edit) {
  auto v = json::parse_file(path);
  ASSERT_TRUE(v) << v.error().message;
  edit(*v);
  std::ofstream(path) << json::write(*v, 2);
}

// All tensors of a file, copied into memory (so the file can be rewritten).
std::map<std::string, Tensor> read_all(const std::string& path) {
  auto f = read_safetensors(path);
  EXPECT_TRUE(f) << f.error().message;
  std::map<std::string, Tensor> out;
  for (const auto& e : f->entries) out[e.name] = host_to_dtype(e.tensor, e.tensor.dtype());
  return out;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

void expect_same_weights(const WeightSet& a, const WeightSet& b) {
  ASSERT_EQ(a.names(), b.names());
  for (const auto& name : a.names()) EXPECT_TRUE(same_bytes(*a.find(name), *b.find(name))) << name;
}

}  // namespace

TEST(Checkpoint, LoadsADiffusersFolder) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  auto ck = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(ck) << ck.error().message;
  auto preset = find_preset("tiny");
  EXPECT_EQ(ck->model_id, written.model_id);
  EXPECT_EQ(ck->source, dir / "m");
  EXPECT_EQ(unet_config_to_json(ck->unet_config), unet_config_to_json(preset->unet));
  EXPECT_EQ(ck->vae_config.block_out_channels, preset->vae.block_out_channels);
  EXPECT_EQ(ck->text_config.hidden_size, 32);
  EXPECT_EQ(ck->text_config.vocab_size, 1024);
  EXPECT_EQ(ck->text_config.bos_token_id, 1022);
  EXPECT_EQ(ck->text_config.eos_token_id, 1023);
  EXPECT_EQ(ck->text_config.pad_token_id, 1023);
  EXPECT_EQ(ck->scheduler_config.beta_schedule, "scaled_linear");
  EXPECT_EQ(ck->scheduler_config.steps_offset, 1);
  EXPECT_EQ(ck->vocab_path, dir / "m/tokenizer/vocab.json");
  EXPECT_EQ(ck->merges_path, dir / "m/tokenizer/merges.txt");
  EXPECT_TRUE(
      ck->unet.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
  EXPECT_TRUE(ck->vae.contains("decoder.mid_block.attentions.0.to_out.0.weight"));
  EXPECT_TRUE(ck->text_encoder.contains("text_model.final_layer_norm.weight"));
  EXPECT_EQ(compute_model_id(ck->text_encoder, ck->unet, ck->vae), ck->model_id);
}

TEST(Checkpoint, SingleFileHasTheSameWeightsAndId) {
  TestDir dir;
  const auto folder = write_tiny(dir / "folder");
  const auto single = write_tiny(dir / "single", 5, CheckpointLayout::single_file);
  auto a = load_checkpoint(folder.checkpoint_path);
  CheckpointOptions o;
  o.tokenizer_dir = single.tokenizer_dir;
  auto b = load_checkpoint(single.checkpoint_path, o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->model_id, b->model_id);
  expect_same_weights(a->unet, b->unet);
  expect_same_weights(a->vae, b->vae);
  expect_same_weights(a->text_encoder, b->text_encoder);
  EXPECT_EQ(unet_config_to_json(a->unet_config), unet_config_to_json(b->unet_config));
  EXPECT_EQ(b->text_config.eos_token_id, 1023);
  EXPECT_EQ(b->vocab_path, single.tokenizer_dir + "/vocab.json");
  // Original names inside the file, and the VAE attention as 1x1 convs.
  auto file = read_safetensors(single.checkpoint_path);
  ASSERT_TRUE(file);
  EXPECT_NE(
      file->find("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"),
      nullptr);
  EXPECT_EQ(file->find("first_stage_model.decoder.mid.attn_1.q.weight")->shape,
            (Shape{32, 32, 1, 1}));
  EXPECT_NE(file->find("cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc2.bias"),
            nullptr);
}

TEST(Checkpoint, OneFlippedBitChangesTheId) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  const std::string weights = dir / "m/vae/diffusion_pytorch_model.safetensors";
  {
    std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-3, std::ios::end);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(-3, std::ios::end);
    f.write(&c, 1);
  }
  auto ck = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(ck);
  EXPECT_NE(ck->model_id, written.model_id);
}

TEST(Checkpoint, SingleFileWithoutSidecarAsksForOne) {
  TestDir dir;
  const auto single = write_tiny(dir / "s", 5, CheckpointLayout::single_file);
  fs::remove(single.checkpoint_path + ".json");
  expect_contains(load_error(single.checkpoint_path),
                  {single.checkpoint_path, "cannot infer the unet config", "base width is 32",
                   "sidecar file " + single.checkpoint_path + ".json"});
}

TEST(Checkpoint, MissingFilesAreNamed) {
  TestDir dir;
  write_tiny(dir / "m");
  expect_contains(load_error(dir / "nowhere"),
                  {"checkpoint " + (dir / "nowhere") + " does not exist"});
  for (const std::string rel :
       {"unet/config.json", "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json",
        "scheduler/scheduler_config.json", "tokenizer/merges.txt"}) {
    const std::string copy = dir / ("copy-" + std::to_string(rel.size()));
    fs::copy(dir / "m", copy, fs::copy_options::recursive);
    fs::remove(copy + "/" + rel);
    expect_contains(load_error(copy), {copy + "/" + rel, "missing"});
  }
  const std::string pickled = dir / "pickled";
  fs::copy(dir / "m", pickled, fs::copy_options::recursive);
  fs::rename(pickled + "/unet/diffusion_pytorch_model.safetensors",
             pickled + "/unet/diffusion_pytorch_model.bin");
  expect_contains(load_error(pickled), {"diffusion_pytorch_model.bin is a pickle"});
  CheckpointOptions o;
  o.tokenizer_dir = dir / "no-tokenizer";
  expect_contains(load_error(dir / "m", o),
                  {"tokenizer directory " + (dir / "no-tokenizer") + " does not exist"});
}

TEST(Checkpoint, WrongShapeForTheConfigNamesTensorAndShapes) {
  TestDir dir;
  write_tiny(dir / "m");
  edit_json(dir / "m/unet/config.json", [](json::Value& v) { v.set("cross_attention_dim", 48); });
  expect_contains(load_error(dir / "m"),
                  {"unet (" + (dir / "m/unet/diffusion_pytorch_model.safetensors") + ")",
                   "tensor \"down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight\"",
                   "has shape [32, 32]", "config expects [32, 48]"});
}

TEST(Checkpoint, ConfigAndWeightsMustDescribeTheSameNetwork) {
  TestDir dir;
  write_tiny(dir / "m");
  fs::copy(dir / "m", dir / "more", fs::copy_options::recursive);
  edit_json(dir / "more/text_encoder/config.json",
            [](json::Value& v) { v.set("num_hidden_layers", 3); });
  expect_contains(load_error(dir / "more"),
                  {"text_encoder", "\"text_model.encoder.layers.2.", "is missing"});
  edit_json(dir / "m/text_encoder/config.json",
            [](json::Value& v) { v.set("num_hidden_layers", 1); });
  expect_contains(load_error(dir / "m"), {"text_encoder", "tensors are not part of the network",
                                          "text_model.encoder.layers.1."});
}

TEST(Checkpoint, UnsupportedConfigValuesAreErrors) {
  TestDir dir;
  write_tiny(dir / "m");
  const std::pair<std::function<void(json::Value&)>, std::vector<std::string_view>> cases[] = {
      {[](json::Value& v) { v.set("resnet_time_scale_shift", "scale_shift"); },
       {"unet/config.json", "\"resnet_time_scale_shift\"", "\"scale_shift\""}},
      {[](json::Value& v) {
         v.set("down_block_types", json::Array{"SimpleCrossAttnDownBlock2D", "DownBlock2D"});
       },
       {"unet/config.json", "down_block_types", "\"SimpleCrossAttnDownBlock2D\""}},
      {[](json::Value& v) { v.set("layers_per_block", "2"); },
       {"unet/config.json", "\"layers_per_block\" must be an integer, found \"2\""}},
      {[](json::Value& v) { v.set("class_embed_type", "timestep"); },
       {"\"class_embed_type\" has unsupported value \"timestep\""}},
      {[](json::Value& v) { v.set("attention_head_dim", 3); },
       {"32 channels, which 3 attention heads do not divide"}},
  };
  for (const auto& [edit, parts] : cases) {
    const std::string copy = dir / "copy";
    fs::remove_all(copy);
    fs::copy(dir / "m", copy, fs::copy_options::recursive);
    edit_json(copy + "/unet/config.json", edit);
    const std::string error = load_error(copy);
    for (auto part : parts)
      EXPECT_NE(error.find(part), std::string::npos) << part << " not in: " << error;
  }
  edit_json(dir / "m/scheduler/scheduler_config.json",
            [](json::Value& v) { v.set("beta_schedule", "cosine"); });
  expect_contains(load_error(dir / "m"),
                  {"scheduler_config.json", "\"beta_schedule\"", "\"cosine\""});
}

TEST(Checkpoint, ExtraConfigKeysAreIgnoredAndMissingSchedulerKeysTakeDiffusersDefaults) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  edit_json(dir / "m/unet/config.json", [](json::Value& v) {
    v.set("some_future_key", json::Object{});
    v.set("num_attention_heads", nullptr);
    v.set("dropout", 0.0);
  });
  edit_json(dir / "m/scheduler/scheduler_config.json", [](json::Value& v) {
    json::Object kept;
    for (auto& [k, x] : v.as_object())
      if (k != "steps_offset" && k != "timestep_spacing") kept.emplace_back(k, x);
    v = json::Value(std::move(kept));
  });
  auto ck = load_checkpoint(dir / "m");
  ASSERT_TRUE(ck) << ck.error().message;
  EXPECT_EQ(ck->model_id, written.model_id);
  EXPECT_EQ(ck->scheduler_config.steps_offset, 0);
  EXPECT_EQ(ck->scheduler_config.timestep_spacing, "leading");
}

TEST(Checkpoint, DeprecatedVaeAttentionNamesAreRenamed) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  const std::string path = dir / "m/vae/diffusion_pytorch_model.safetensors";
  std::map<std::string, Tensor> old_names;
  for (auto& [name, t] : read_all(path)) {
    std::string n = name;
    for (auto [from, to] : {std::pair{"to_q.", "query."}, std::pair{"to_k.", "key."},
                            std::pair{"to_v.", "value."}, std::pair{"to_out.0.", "proj_attn."}})
      if (auto at = n.find(from); at != std::string::npos)
        n = n.substr(0, at) + to + n.substr(at + std::strlen(from));
    old_names[n] = t;
  }
  ASSERT_TRUE(old_names.contains("decoder.mid_block.attentions.0.proj_attn.weight"));
  ASSERT_TRUE(write_safetensors(path, old_names));
  auto ck = load_checkpoint(dir / "m");
  ASSERT_TRUE(ck) << ck.error().message;
  EXPECT_EQ(ck->model_id, written.model_id);
}

// An SD 2.x-style single file: OpenCLIP text encoder with fused q/k/v, an extra (unused) last
// resblock, text_projection and logit_scale, plus training leftovers outside the networks.
TEST(Checkpoint, OpenClipSingleFileIsConvertedToTransformersNames) {
  TestDir dir;
  const auto folder = write_tiny(dir / "folder");
  const auto single = write_tiny(dir / "single", 5, CheckpointLayout::single_file);
  auto reference = load_checkpoint(folder.checkpoint_path);
  ASSERT_TRUE(reference);
  const auto& ref_text = reference->text_encoder;
  const int layers = reference->text_config.num_hidden_layers;
  const std::int64_t hidden = reference->text_config.hidden_size;

  std::map<std::string, Tensor> tensors;
  for (auto& [name, t] : read_all(single.checkpoint_path))
    if (!name.starts_with("cond_stage_model.")) tensors[name] = t;
  const std::string oc = "cond_stage_model.model.";
  const auto copy = [&](const std::string& name) {
    return host_to_dtype(*ref_text.find(name), DType::f32);
  };
  tensors[oc + "token_embedding.weight"] = copy("text_model.embeddings.token_embedding.weight");
  tensors[oc + "positional_embedding"] = copy("text_model.embeddings.position_embedding.weight");
  tensors[oc + "ln_final.weight"] = copy("text_model.final_layer_norm.weight");
  tensors[oc + "ln_final.bias"] = copy("text_model.final_layer_norm.bias");
  tensors[oc + "text_projection"] = Tensor::host({hidden, hidden});
  tensors[oc + "logit_scale"] = Tensor::host({});
  tensors["model_ema.decay"] = Tensor::host({});
  tensors["alphas_cumprod"] = Tensor::host({1000});
  for (int i = 0; i <= layers; ++i) {  // one resblock more than the text encoder uses
    const std::string from =
        "text_model.encoder.layers." + std::to_string(std::min(i, layers - 1)) + ".";
    const std::string to = oc + "transformer.resblocks." + std::to_string(i) + ".";
    for (auto [a, b] : {std::pair{"layer_norm1.", "ln_1."}, std::pair{"layer_norm2.", "ln_2."},
                        std::pair{"self_attn.out_proj.", "attn.out_proj."},
                        std::pair{"mlp.fc1.", "mlp.c_fc."}, std::pair{"mlp.fc2.", "mlp.c_proj."}})
      for (const char* kind : {"weight", "bias"}) tensors[to + b + kind] = copy(from + a + kind);
    for (const char* kind : {"weight", "bias"}) {
      const Tensor q = copy(from + "self_attn.q_proj." + kind);
      Shape fused = q.shape();
      fused[0] *= 3;
      Tensor in_proj = Tensor::host(fused);
      std::size_t at = 0;
      for (const char* part : {"q_proj.", "k_proj.", "v_proj."}) {
        const Tensor t = copy(from + "self_attn." + part + kind);
        std::memcpy(static_cast<char*>(in_proj.raw()) + at, t.raw(), t.bytes());
        at += t.bytes();
      }
      tensors[to + "attn.in_proj_" + kind] = in_proj;
    }
  }
  const std::string path = dir / "sd2/model.safetensors";
  fs::create_directories(dir / "sd2");
  ASSERT_TRUE(write_safetensors(path, tensors));
  fs::copy_file(single.checkpoint_path + ".json", path + ".json");

  auto ck = load_checkpoint(path);
  ASSERT_TRUE(ck) << ck.error().message;
  expect_same_weights(ck->text_encoder, ref_text);
  expect_same_weights(ck->unet, reference->unet);
  EXPECT_EQ(ck->model_id, reference->model_id);
  EXPECT_TRUE(ck->vocab_path.empty());

  tensors[oc + "transformer.resblocks.0.attn.in_proj_weight"] = Tensor::host({hidden, hidden});
  ASSERT_TRUE(write_safetensors(path, tensors));
  expect_contains(load_error(path),
                  {path, "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight",
                   "expected 96 rows"});
}

TEST(Checkpoint, CheckWeightsMatchNamesEveryProblem) {
  WeightSet w("unet");
  w.set_source("x.safetensors");
  w.insert("a", Tensor::host({2, 3}));
  w.insert("extra", Tensor::host({1}));
  const std::vector<ParamSpec> want{{"a", {2, 3}}};
  expect_contains(check_weights_match(w, want).error().message,
                  {"unet (x.safetensors)", "1 tensors are not part", "\"extra\""});
  expect_contains(check_weights_match(w, {{"a", {3, 2}}, {"extra", {1}}}).error().message,
                  {"tensor \"a\" has shape [2, 3], but the config expects [3, 2]"});
  expect_contains(
      check_weights_match(w, {{"a", {2, 3}}, {"extra", {1}}, {"b", {4}}}).error().message,
      {"tensor \"b\" is missing (the config expects shape [4])"});
  EXPECT_TRUE(check_weights_match(w, {{"a", {2, 3}}, {"extra", {1}}}));
  // take() and check_all_used() follow the same rules as the networks use them.
  EXPECT_FALSE(w.take("a", {3, 2}));
  ASSERT_TRUE(w.take("a", {2, 3}));
  expect_contains(w.check_all_used().error().message, {"\"extra\""});
  ASSERT_TRUE(w.take("extra", {1}));
  EXPECT_TRUE(w.check_all_used());
}

namespace {

// Every file under `dir` as if written `age` ago (a checkpoint copied long before it is loaded).
void backdate(const fs::path& dir, std::chrono::seconds age) {
  const auto when = fs::file_time_type::clock::now() - age;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) fs::last_write_time(e.path(), when);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(ModelIdCache, AnUnchangedCheckpointTakesItsIdFromTheCacheAndAChangedOneIsHashedAgain) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  backdate(dir.path(), std::chrono::hours(1));
  auto first = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->model_id, written.model_id);
  const fs::path cache = model_id_cache_path(written.checkpoint_path);
  EXPECT_EQ(cache, fs::path(dir / "m/.model-id"));
  ASSERT_TRUE(fs::exists(cache));

  // Proof that a load with matching stamps reads the cache instead of hashing: a cache naming
  // another id is believed.
  std::string text = read_text(cache);
  const std::string other(64, 'a');
  text.replace(text.find(written.model_id), 64, other);
  std::ofstream(cache) << text;
  auto cached = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->model_id, other);

  // A changed weight file (another mtime) is hashed again.
  const std::string weights = dir / "m/vae/diffusion_pytorch_model.safetensors";
  {
    std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('\x5a');
  }
  backdate(dir.path(), std::chrono::hours(2));
  auto changed = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->model_id, other);
  EXPECT_EQ(changed->model_id,
            compute_model_id(changed->text_encoder, changed->unet, changed->vae));
  EXPECT_NE(read_text(cache).find(changed->model_id), std::string::npos) << "the cache was renewed";
}

// A file written moments ago may be rewritten within the same mtime tick with other bytes of the
// same size (as OneFlippedBitChangesTheId does): its id is not cached until it is older.
TEST(ModelIdCache, AFreshlyWrittenCheckpointIsNotCached) {
  TestDir dir;
  const auto written = write_tiny(dir / "m");
  auto ck = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(ck);
  EXPECT_FALSE(fs::exists(model_id_cache_path(written.checkpoint_path)));
}

TEST(ModelIdCache, ASingleFileKeepsItsCacheBesideIt) {
  TestDir dir;
  const auto written = write_tiny(dir / "s", 5, CheckpointLayout::single_file);
  backdate(dir.path(), std::chrono::hours(1));
  auto ck = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(ck) << ck.error().message;
  EXPECT_EQ(ck->model_id, written.model_id);
  EXPECT_TRUE(fs::exists(written.checkpoint_path + ".model-id"));
  auto again = load_checkpoint(written.checkpoint_path);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->model_id, written.model_id);
}
