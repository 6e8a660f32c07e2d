#pragma once
// CLIPTextModel's config.json keys, as transformers names them. Defaults are SD 1.x (ViT-L/14).
#include <string>

namespace seedgrid {

struct ClipTextConfig {
  int vocab_size = 49408;
  int hidden_size = 768;
  int intermediate_size = 3072;
  int num_hidden_layers = 12;
  int num_attention_heads = 12;
  int max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // "gelu" for OpenCLIP-H (SD 2.x)
  float layer_norm_eps = 1e-5f;
  int bos_token_id = 49406;
  int eos_token_id = 49407;
  int pad_token_id = 49407;  // what fills the context after the end token
};

}  // namespace seedgrid
