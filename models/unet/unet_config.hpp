#pragma once
// UNet2DConditionModel's config.json keys, as diffusers names them. Defaults are SD 1.5.
#include <string>
#include <vector>

namespace seedgrid {

struct UNetConfig {
  int in_channels = 4;
  int out_channels = 4;
  int sample_size = 64;
  std::vector<int> block_out_channels{320, 640, 1280, 1280};
  std::vector<std::string> down_block_types{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                            "CrossAttnDownBlock2D", "DownBlock2D"};
  std::vector<std::string> up_block_types{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                          "CrossAttnUpBlock2D"};
  std::string mid_block_type = "UNetMidBlock2DCrossAttn";
  int layers_per_block = 2;
  int cross_attention_dim = 768;
  // diffusers' legacy naming: for SD 1.x/2.x this is the number of heads per block (an int in the
  // file is repeated for every block). num_attention_heads, when the file has it, wins.
  std::vector<int> attention_head_dim{8};
  std::vector<int> transformer_layers_per_block{1};
  bool use_linear_projection = false;  // SD 2.x
  bool upcast_attention = false;
  int norm_num_groups = 32;
  float norm_eps = 1e-5f;
  bool flip_sin_to_cos = true;
  int freq_shift = 0;
  std::string act_fn = "silu";
};

}  // namespace seedgrid
