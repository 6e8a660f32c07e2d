#pragma once
// scheduler/scheduler_config.json -> SchedulerConfig. A key the file leaves out takes the value
// diffusers' schedulers give it (not SchedulerConfig's SD 1.x defaults): beta_start 0.0001,
// beta_end 0.02, beta_schedule "linear", prediction_type "epsilon", steps_offset 0,
// timestep_spacing "leading" (PNDM and DDIM, what SD checkpoints ship). Unsupported values of
// beta_schedule, prediction_type and timestep_spacing, trained_betas and rescale_betas_zero_snr
// are errors naming the key.
#include <string>

#include "models/json/json_value.hpp"
#include "models/result.hpp"
#include "models/samplers/scheduler_config.hpp"

namespace seedgrid {

Result<SchedulerConfig> parse_scheduler_config(const json::Value& root, const std::string& source);
// The SD 1.x scheduler config diffusers ships (PNDMScheduler, scaled_linear, steps_offset 1).
json::Value scheduler_config_to_json(const SchedulerConfig& config);

}  // namespace seedgrid
