#pragma once
// The model id: the SHA-256 of a checkpoint's weights, so a worker cannot claim one model and run
// another, and the same weights give the same id whatever layout they were stored in (a diffusers
// folder or one original-layout file; both are renamed to diffusers names before hashing).
//
// Byte layout hashed, for every tensor of the three components, in ascending bytewise order of its
// full name "<component>/<diffusers name>" (component "text_encoder", "unet" or "vae"; e.g.
// "unet/conv_in.bias"):
//   u64 byte length of the full name, then the name's bytes (UTF-8)
//   u64 byte length of the dtype string, then the string ("F32", "F16" or "BF16")
//   u64 rank, then each dimension as u64
//   u64 byte length of the data, then the raw element bytes as stored (little-endian)
// Every u64 is little-endian. The id is the digest in lowercase hex (64 characters). Changing any
// weight bit, dtype, shape or name changes the id; tensors that diffusers does not keep (EMA
// copies, int64 position_ids, OpenCLIP's text_projection) are never part of it.
#include <string>

#include "models/weights/weight_set.hpp"

namespace seedgrid {

std::string compute_model_id(const WeightSet& text_encoder, const WeightSet& unet,
                             const WeightSet& vae);

}  // namespace seedgrid
