#include "models/weights/infer_config.hpp"

#include <string_view>

namespace seedgrid {

namespace {

const Shape* shape_of(const ShapeMap& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

Result<std::int64_t> dim_of(const ShapeMap& m, const std::string& name, std::size_t d,
                            std::string_view component) {
  const Shape* s = shape_of(m, name);
  if (!s) return fail(component, " tensor \"", name, "\" is missing");
  if (s->size() <= d)
    return fail(component, " tensor \"", name, "\" has shape ", shape_string(*s),
                ", expected at least ", d + 1, " dimensions");
  return (*s)[d];
}

// How many consecutive indices i = 0, 1, ... have `before + i + after` present.
int count(const ShapeMap& m, const std::string& before, const std::string& after) {
  int n = 0;
  while (shape_of(m, before + std::to_string(n) + after)) ++n;
  return n;
}

}  // namespace

Result<UNetConfig> infer_unet_config(const ShapeMap& m) {
  for (const auto& [name, shape] : m)
    if (name.starts_with("label_emb."))
      return fail("the UNet has class/addition embeddings (\"", name,
                  "\"): SDXL-style UNets are not supported");
  UNetConfig c;
  auto c0 = dim_of(m, "input_blocks.0.0.weight", 0, "UNet");
  auto in = dim_of(m, "input_blocks.0.0.weight", 1, "UNet");
  auto out = dim_of(m, "out.2.weight", 0, "UNet");
  if (!c0) return pass_on(c0);
  if (!in) return pass_on(in);
  if (!out) return pass_on(out);
  c.in_channels = static_cast<int>(*in);
  c.out_channels = static_cast<int>(*out);

  // input_blocks: conv_in, then per level L resnets and (but the last) a downsampler.
  int first_down = 1;
  while (first_down < 64 &&
         !shape_of(m, "input_blocks." + std::to_string(first_down) + ".0.op.weight"))
    ++first_down;
  int levels = 0, layers = 0;
  if (first_down < 64) {
    layers = first_down - 1;
    // Count levels by walking: each level's first resnet exists at 1 + i * (L + 1).
    while (shape_of(
        m, "input_blocks." + std::to_string(1 + levels * (layers + 1)) + ".0.in_layers.0.weight"))
      ++levels;
  } else {
    layers = 0;
    while (shape_of(m, "input_blocks." + std::to_string(1 + layers) + ".0.in_layers.0.weight"))
      ++layers;
    levels = 1;
  }
  if (layers < 1 || levels < 1)
    return fail("cannot find the UNet's input blocks (input_blocks.1.0.in_layers.0.weight)");
  c.layers_per_block = layers;
  c.block_out_channels.clear();
  c.down_block_types.clear();
  c.up_block_types.clear();
  std::vector<int> transformer_layers;
  std::string attention_probe;
  for (int i = 0; i < levels; ++i) {
    const std::string first = "input_blocks." + std::to_string(1 + i * (layers + 1));
    auto ch = dim_of(m, first + ".0.out_layers.3.weight", 0, "UNet");
    if (!ch) return pass_on(ch);
    c.block_out_channels.push_back(static_cast<int>(*ch));
    const bool cross = shape_of(m, first + ".1.proj_in.weight") != nullptr;
    c.down_block_types.push_back(cross ? "CrossAttnDownBlock2D" : "DownBlock2D");
    transformer_layers.push_back(cross ? count(m, first + ".1.transformer_blocks.", ".norm1.weight")
                                       : 1);
    if (cross && attention_probe.empty()) attention_probe = first + ".1";
  }
  for (int i = 0; i < levels; ++i) {
    const std::string first = "output_blocks." + std::to_string(i * (layers + 1));
    c.up_block_types.push_back(shape_of(m, first + ".1.proj_in.weight") ? "CrossAttnUpBlock2D"
                                                                        : "UpBlock2D");
  }
  if (!shape_of(m, "middle_block.1.proj_in.weight"))
    return fail("the UNet has no mid-block attention (middle_block.1.proj_in.weight)");
  transformer_layers.back() = count(m, "middle_block.1.transformer_blocks.", ".norm1.weight");
  bool uniform = true;
  for (int t : transformer_layers) uniform = uniform && t == transformer_layers.front();
  c.transformer_layers_per_block =
      uniform ? std::vector<int>{transformer_layers.front()} : transformer_layers;

  const Shape* proj_in = shape_of(m, "middle_block.1.proj_in.weight");
  c.use_linear_projection = proj_in->size() == 2;
  auto cross_dim = dim_of(m, "middle_block.1.transformer_blocks.0.attn2.to_k.weight", 1, "UNet");
  if (!cross_dim) return pass_on(cross_dim);
  c.cross_attention_dim = static_cast<int>(*cross_dim);

  if (*c0 != 320)
    return fail(
        "the UNet's base width is ", *c0,
        " (not 320, the Stable Diffusion 1.x/2.x UNet): its attention heads and norm groups "
        "cannot be inferred from tensor shapes");
  c.norm_num_groups = 32;
  if (c.cross_attention_dim == 768) {
    c.attention_head_dim = {8};
    c.sample_size = 64;
  } else {
    c.attention_head_dim.clear();
    for (int ch : c.block_out_channels) c.attention_head_dim.push_back(ch / 64);
    c.sample_size = 96;
  }
  return c;
}

Result<VaeConfig> infer_vae_config(const ShapeMap& m) {
  VaeConfig c;
  auto c0 = dim_of(m, "encoder.conv_in.weight", 0, "VAE");
  auto in = dim_of(m, "encoder.conv_in.weight", 1, "VAE");
  auto out = dim_of(m, "decoder.conv_out.weight", 0, "VAE");
  auto latent = dim_of(m, "post_quant_conv.weight", 0, "VAE");
  for (const auto* r : {&c0, &in, &out, &latent})
    if (!*r) return std::unexpected(r->error());
  c.in_channels = static_cast<int>(*in);
  c.out_channels = static_cast<int>(*out);
  c.latent_channels = static_cast<int>(*latent);
  const int levels = count(m, "encoder.down.", ".block.0.conv1.weight");
  c.layers_per_block = count(m, "encoder.down.0.block.", ".conv1.weight");
  if (levels < 1 || c.layers_per_block < 1)
    return fail("cannot find the VAE's encoder blocks (encoder.down.0.block.0.conv1.weight)");
  c.block_out_channels.clear();
  for (int i = 0; i < levels; ++i) {
    auto ch = dim_of(m, "encoder.down." + std::to_string(i) + ".block.0.conv2.weight", 0, "VAE");
    if (!ch) return pass_on(ch);
    c.block_out_channels.push_back(static_cast<int>(*ch));
  }
  if (*c0 != 128)
    return fail("the VAE's base width is ", *c0,
                " (not 128, the Stable Diffusion KL-f8 autoencoder): its norm groups cannot be "
                "inferred from tensor shapes");
  c.norm_num_groups = 32;
  c.scaling_factor = 0.18215f;
  c.sample_size = 512;
  return c;
}

Result<ClipTextConfig> infer_clip_text_config(const ShapeMap& m, bool open_clip) {
  ClipTextConfig c;
  const std::string token =
      open_clip ? "token_embedding.weight" : "text_model.embeddings.token_embedding.weight";
  const std::string position =
      open_clip ? "positional_embedding" : "text_model.embeddings.position_embedding.weight";
  const std::string fc1 = open_clip ? "transformer.resblocks.0.mlp.c_fc.weight"
                                    : "text_model.encoder.layers.0.mlp.fc1.weight";
  auto vocab = dim_of(m, token, 0, "text encoder");
  auto hidden = dim_of(m, token, 1, "text encoder");
  auto positions = dim_of(m, position, 0, "text encoder");
  auto intermediate = dim_of(m, fc1, 0, "text encoder");
  for (const auto* r : {&vocab, &hidden, &positions, &intermediate})
    if (!*r) return std::unexpected(r->error());
  c.vocab_size = static_cast<int>(*vocab);
  c.hidden_size = static_cast<int>(*hidden);
  c.max_position_embeddings = static_cast<int>(*positions);
  c.intermediate_size = static_cast<int>(*intermediate);
  if (open_clip) {
    // SD 2.x conditions on the penultimate layer: the last resblock is never run.
    c.num_hidden_layers = count(m, "transformer.resblocks.", ".ln_1.weight") - 1;
    c.hidden_act = "gelu";
    c.pad_token_id = 0;  // SD 2.x's tokenizer pads with "!"
  } else {
    c.num_hidden_layers = count(m, "text_model.encoder.layers.", ".layer_norm1.weight");
    c.hidden_act = "quick_gelu";
  }
  if (c.num_hidden_layers < 1) return fail("cannot find the text encoder's layers");
  if (!(c.hidden_size == 768 && !open_clip) && !(c.hidden_size == 1024 && open_clip))
    return fail("the text encoder's width is ", c.hidden_size,
                " (not CLIP ViT-L's 768 nor OpenCLIP ViT-H's 1024): its attention heads cannot be "
                "inferred from tensor shapes");
  c.num_attention_heads = c.hidden_size / 64;
  return c;
}

SchedulerConfig infer_scheduler_config(const UNetConfig& unet) {
  SchedulerConfig s;
  if (unet.cross_attention_dim == 1024) s.prediction_type = "v_prediction";
  return s;
}

}  // namespace seedgrid
