#pragma once
// Configs of a single-file (original layout) checkpoint, inferred from its tensor names and shapes.
//
// Shapes give the structure: channels, levels, layers per block, which blocks attend, the
// cross-attention width, conv or linear projections, latent channels, text width, vocabulary,
// depth. They do not give the attention heads or the norm groups. Those follow the rules of the
// Stable Diffusion families, applied only when the shapes are those of the family:
//   UNet with base width 320: 32 norm groups; cross-attention width 768 (SD 1.x) -> 8 heads in
//     every block; otherwise (SD 2.x, 1024) -> heads of 64 channels; SD 2.x is v-prediction at
//     96x96 latents, as diffusers assumes for an SD 2 checkpoint without its training step.
//   VAE with base width 128: 32 norm groups, scaling factor 0.18215.
//   Text encoder of width 768 (CLIP ViT-L, quick_gelu) or 1024 (OpenCLIP ViT-H, gelu): heads of 64.
// Anything else (seedgrid's tiny and small presets, say) is ambiguous: the error says so, and the
// configs must come from a sidecar file (see load_checkpoint).
#include <map>
#include <string>

#include "models/clip/clip_config.hpp"
#include "models/result.hpp"
#include "models/samplers/scheduler_config.hpp"
#include "models/tensor/tensor.hpp"
#include "models/unet/unet_config.hpp"
#include "models/vae/vae_config.hpp"

namespace seedgrid {

// Names without their component prefix ("input_blocks.1.0.in_layers.0.weight", ...).
using ShapeMap = std::map<std::string, Shape, std::less<>>;

Result<UNetConfig> infer_unet_config(const ShapeMap& unet);
Result<VaeConfig> infer_vae_config(const ShapeMap& vae);
// `open_clip`: names under cond_stage_model.model. (SD 2.x) rather than the transformers names
// under cond_stage_model.transformer. (SD 1.x, "text_model." already prepended where missing).
Result<ClipTextConfig> infer_clip_text_config(const ShapeMap& text, bool open_clip);
// SD 1.x: SchedulerConfig's defaults; SD 2.x (a v-prediction UNet): prediction_type v_prediction.
SchedulerConfig infer_scheduler_config(const UNetConfig& unet);

}  // namespace seedgrid
