#pragma once
// CLIPTextModel's config.json (transformers) <-> ClipTextConfig. Extra keys are ignored; the ones
// read must have the right type, and hidden_act must be "quick_gelu" or "gelu".
#include <string>

#include "models/clip/clip_config.hpp"
#include "models/json/json_value.hpp"
#include "models/result.hpp"

namespace seedgrid {

Result<ClipTextConfig> parse_clip_text_config(const json::Value& root, const std::string& source);
json::Value clip_text_config_to_json(const ClipTextConfig& config);
Result<void> check_clip_text_config(const ClipTextConfig& config);

}  // namespace seedgrid
