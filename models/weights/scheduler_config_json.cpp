#include "models/weights/scheduler_config_json.hpp"

#include "models/json/config_reader.hpp"

namespace seedgrid {

Result<SchedulerConfig> parse_scheduler_config(const json::Value& root, const std::string& source) {
  SchedulerConfig c;
  c.beta_start = 0.0001f;
  c.beta_end = 0.02f;
  c.beta_schedule = "linear";
  c.prediction_type = "epsilon";
  c.steps_offset = 0;
  c.timestep_spacing = "leading";
  json::ConfigReader r(root, source);
  r.read("num_train_timesteps", c.num_train_timesteps);
  r.read("beta_start", c.beta_start);
  r.read("beta_end", c.beta_end);
  r.read_choice("beta_schedule", c.beta_schedule, {"scaled_linear", "linear"});
  r.read_choice("prediction_type", c.prediction_type, {"epsilon", "v_prediction"});
  r.read("steps_offset", c.steps_offset);
  // DDIM's final alpha: diffusers' DDIMScheduler reads it; the PNDM config SD 1.x ships says false.
  r.read("set_alpha_to_one", c.set_alpha_to_one);
  r.read_choice("timestep_spacing", c.timestep_spacing, {"leading", "trailing", "linspace"});
  r.require("trained_betas", {});
  r.require("rescale_betas_zero_snr", {false});
  if (r.status()) {
    if (c.num_train_timesteps < 2)
      r.error("num_train_timesteps must be at least 2, found ", c.num_train_timesteps);
    else if (!(c.beta_start > 0 && c.beta_end > c.beta_start && c.beta_end < 1))
      r.error("betas must satisfy 0 < beta_start < beta_end < 1, found ", c.beta_start, " and ",
              c.beta_end);
    else if (c.steps_offset < 0 || c.steps_offset >= c.num_train_timesteps)
      r.error("steps_offset ", c.steps_offset, " is outside [0, num_train_timesteps)");
  }
  if (auto ok = r.status(); !ok) return pass_on(ok);
  return c;
}

json::Value scheduler_config_to_json(const SchedulerConfig& c) {
  json::Value j = json::Object{};
  j.set("_class_name", "PNDMScheduler");
  j.set("_diffusers_version", "0.21.4");
  j.set("beta_end", json::float_value(c.beta_end));
  j.set("beta_schedule", c.beta_schedule);
  j.set("beta_start", json::float_value(c.beta_start));
  j.set("clip_sample", false);
  j.set("num_train_timesteps", c.num_train_timesteps);
  j.set("prediction_type", c.prediction_type);
  j.set("set_alpha_to_one", c.set_alpha_to_one);
  j.set("skip_prk_steps", true);
  j.set("steps_offset", c.steps_offset);
  j.set("timestep_spacing", c.timestep_spacing);
  j.set("trained_betas", nullptr);
  return j;
}

}  // namespace seedgrid
