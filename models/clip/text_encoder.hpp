#pragma once
// CLIPTextModel (transformers naming): token + position embeddings, pre-LN transformer layers with
// causal self-attention, final layer norm. Config-driven, so ViT-L/14 (SD 1.x) and OpenCLIP-H
// (SD 2.x, gelu, 23 layers in the diffusers export) are the same code.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/clip/clip_config.hpp"
#include "models/result.hpp"
#include "models/weights/param_source.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

class ClipTextEncoder {
 public:
  // Takes every text_model.* tensor from `weights` and uploads it to `backend` (which must
  // outlive the encoder); a tensor left over is an error.
  static Result<ClipTextEncoder> load(WeightSet& weights, const ClipTextConfig& config,
                                      Backend& backend);
  // The parameters (transformers names and shapes) an encoder built from `config` takes.
  static Result<std::vector<ParamSpec>> parameters(const ClipTextConfig& config);
  // ids: batch * max_position_embeddings token ids, row-major, each in [0, vocab_size) (anything
  // else is a caller bug and aborts). Returns the last hidden state after the final layer norm,
  // [batch, max_position_embeddings, hidden_size], on the backend.
  Tensor encode(std::span<const std::int32_t> ids, std::int64_t batch) const;
  const ClipTextConfig& config() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace seedgrid
