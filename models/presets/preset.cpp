#include "models/presets/preset.hpp"

#include "models/presets/prompt_corpus.hpp"

namespace seedgrid {

namespace {

Preset tiny() {
  Preset p;
  p.name = "tiny";
  p.image_size = 64;
  p.unet.sample_size = 8;
  p.unet.block_out_channels = {32, 64};
  p.unet.down_block_types = {"CrossAttnDownBlock2D", "DownBlock2D"};
  p.unet.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D"};
  p.unet.layers_per_block = 1;
  p.unet.cross_attention_dim = 32;
  p.unet.attention_head_dim = {2};
  p.unet.norm_num_groups = 8;
  p.vae.block_out_channels = {16, 32, 32, 32};
  p.vae.layers_per_block = 1;
  p.vae.norm_num_groups = 8;
  p.vae.sample_size = 64;
  p.text.hidden_size = 32;
  p.text.intermediate_size = 128;
  p.text.num_hidden_layers = 2;
  p.text.num_attention_heads = 2;
  p.text.vocab_size = 1024;
  return p;
}

Preset small() {
  Preset p;
  p.name = "small";
  p.image_size = 128;
  p.unet.sample_size = 16;
  p.unet.block_out_channels = {64, 128, 128};
  p.unet.down_block_types = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
  p.unet.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"};
  p.unet.layers_per_block = 2;
  p.unet.cross_attention_dim = 64;
  p.unet.attention_head_dim = {4};
  p.unet.norm_num_groups = 16;
  p.vae.block_out_channels = {32, 64, 64, 64};
  p.vae.layers_per_block = 1;
  p.vae.norm_num_groups = 16;
  p.vae.sample_size = 128;
  p.text.hidden_size = 64;
  p.text.intermediate_size = 256;
  p.text.num_hidden_layers = 4;
  p.text.num_attention_heads = 4;
  p.text.vocab_size = 2048;
  return p;
}

Preset sd15() {
  Preset p;  // the config structs' defaults are SD 1.5
  p.name = "sd15";
  p.image_size = 512;
  p.default_dtype = DType::f16;
  return p;
}

}  // namespace


Result<Preset> find_preset(std::string_view name) {
  Preset p;
  if (name == "tiny")
    p = tiny();
  else if (name == "small")
    p = small();
  else if (name == "sd15")
    p = sd15();
  else
    return fail("unknown preset \"", name, "\" (presets: tiny, small, sd15)");
  // tiny and small size their embedding to the vocabulary; sd15 keeps CLIP's 49408 rows, of
  // which the learned vocabulary uses the first ones.
  const bool fit_embedding = p.name != "sd15";
  p.tokenizer = learn_bpe_vocabulary(prompt_corpus(), fit_embedding ? p.text.vocab_size : 4096);
  if (fit_embedding) p.text.vocab_size = static_cast<int>(p.tokenizer.tokens.size());
  p.text.bos_token_id = p.tokenizer.bos_id();
  p.text.eos_token_id = p.tokenizer.eos_id();
  p.text.pad_token_id = p.tokenizer.eos_id();
  return p;
}

}  // namespace seedgrid
