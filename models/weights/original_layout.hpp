#pragma once
// Names of the original (CompVis / Stability "single-file") checkpoint layout, as functions of the
// diffusers names seedgrid uses everywhere: the public mapping of diffusers'
// convert_original_stable_diffusion_to_diffusers / convert_diffusers_to_original_stable_diffusion.
//   unet          model.diffusion_model.{input_blocks, middle_block, output_blocks, time_embed,
//                 out}
//   vae           first_stage_model.{encoder, decoder}.{down, mid, up, norm_out}, quant convs;
//                 the mid attention's q, k, v, proj_out are 1x1 convs [C, C, 1, 1] there
//   text encoder  SD 1.x: cond_stage_model.transformer.text_model.* (the transformers names);
//                 SD 2.x: cond_stage_model.model.* (OpenCLIP: fused in_proj q/k/v, resblocks,
//                 ln_final, positional_embedding; its last resblock is unused: SD 2 takes the
//                 penultimate layer, which is why diffusers' export has 23 of OpenCLIP-H's 24)
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "models/unet/unet_config.hpp"
#include "models/vae/vae_config.hpp"

namespace seedgrid {

inline constexpr std::string_view kOriginalUNetPrefix = "model.diffusion_model.";
inline constexpr std::string_view kOriginalVaePrefix = "first_stage_model.";
inline constexpr std::string_view kOriginalClipPrefix = "cond_stage_model.transformer.";
inline constexpr std::string_view kOriginalOpenClipPrefix = "cond_stage_model.model.";

// The full original name (with its prefix) of a diffusers parameter of a network built from
// `config`; an error for a name such a network does not have.
Result<std::string> unet_original_name(std::string_view diffusers_name, const UNetConfig& config);
Result<std::string> vae_original_name(std::string_view diffusers_name, const VaeConfig& config);
// SD 1.x text encoders keep the transformers names under the prefix.
std::string clip_original_name(std::string_view diffusers_name);

// True for the VAE attention projections stored as [C, C] linears in diffusers and as
// [C, C, 1, 1] convs in the original layout.
bool is_vae_attention_projection(std::string_view diffusers_name);

}  // namespace seedgrid
