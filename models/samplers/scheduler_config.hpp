#pragma once
// scheduler/scheduler_config.json keys, as diffusers names them. Defaults are SD 1.x.
#include <string>

namespace seedgrid {

struct SchedulerConfig {
  int num_train_timesteps = 1000;
  float beta_start = 0.00085f;
  float beta_end = 0.012f;
  std::string beta_schedule = "scaled_linear";  // or "linear"
  std::string prediction_type = "epsilon";      // or "v_prediction" (SD 2.x 768)
  int steps_offset = 1;
  std::string timestep_spacing = "leading";     // "leading", "trailing" or "linspace"
  // DDIM's alpha after the last step: 1 when set, else alphas_cumprod[0] (SD 1.x/2.x ship false).
  bool set_alpha_to_one = false;
};

}  // namespace seedgrid
