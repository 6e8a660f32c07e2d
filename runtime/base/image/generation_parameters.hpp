#pragma once
// The "parameters" text A1111's web UI writes into its PNGs (and other SD tools read):
//
//   <prompt>
//   Negative prompt: <negative prompt>            (omitted when empty)
//   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: <first 10 hex
//   of the model id>, Model: <name>[, Schedule type: Karras][, Denoising strength: 0.75]
//
// A value holding a comma, a colon or a quote is written as a JSON string, as A1111 does.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/pipeline/generation_spec.hpp"
#include "models/result.hpp"

namespace seedgrid {

std::string format_generation_parameters(const GenerationSpec& spec, std::string_view model_id,
                                         std::string_view model_name);

struct GenerationParameters {
  std::string prompt;
  std::string negative_prompt;
  std::vector<std::pair<std::string, std::string>> fields;  // in file order, values unquoted

  // The value of `key`, or nullptr.
  const std::string* find(std::string_view key) const;
};

// Fails when the last line is not a "Key: value, ..." list.
Result<GenerationParameters> parse_generation_parameters(std::string_view text);

}  // namespace seedgrid
