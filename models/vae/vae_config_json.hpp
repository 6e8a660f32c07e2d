#pragma once
// AutoencoderKL's config.json <-> VaeConfig (lenient about extra keys, strict about the ones that
// change the network: block types, activation, quant convs must be diffusers' KL-f8 defaults).
#include <string>

#include "models/json/json_value.hpp"
#include "models/result.hpp"
#include "models/vae/vae_config.hpp"

namespace seedgrid {

Result<VaeConfig> parse_vae_config(const json::Value& root, const std::string& source);
json::Value vae_config_to_json(const VaeConfig& config);
Result<void> check_vae_config(const VaeConfig& config);

}  // namespace seedgrid
