#pragma once
// UNet2DConditionModel's config.json <-> UNetConfig, and the checks that a config describes a
// network seedgrid implements.
//
// Reading is lenient about keys that do not change the network (diffusers writes many) and strict
// about the rest: keys seedgrid reads must have the right type and a supported value; keys for
// features it does not implement (class embeddings, other time embeddings, scale-shift ResNets,
// dual or cross-only attention, ...) must be absent or at diffusers' default. num_attention_heads,
// when present, gives the heads per block and wins over attention_head_dim (diffusers' legacy name
// for the same number in SD 1.x/2.x configs).
#include <string>
#include <vector>

#include "models/json/json_value.hpp"
#include "models/result.hpp"
#include "models/unet/unet_config.hpp"

namespace seedgrid {

Result<UNetConfig> parse_unet_config(const json::Value& root, const std::string& source);
// A complete config.json, as diffusers writes one (diffusers loads it into the same network).
json::Value unet_config_to_json(const UNetConfig& config);

// Shapes and counts are consistent: one block type per channel count, supported block types,
// heads dividing channels, groups dividing every channel count, ...
Result<void> check_unet_config(const UNetConfig& config);

// Per down block (index i); the up block at index i uses entry n-1-i and the mid block the last.
std::vector<int> unet_heads_per_block(const UNetConfig& config);
std::vector<int> unet_transformer_layers_per_block(const UNetConfig& config);

}  // namespace seedgrid
