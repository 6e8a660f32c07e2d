#include "models/weights/scheduler_config_json.hpp"

#include <gtest/gtest.h>

#include "models/json/json_parse.hpp"

using namespace seedgrid;

TEST(SchedulerConfigJson, RoundTripsEveryField) {
  SchedulerConfig c;
  c.beta_start = 0.00085f;
  c.beta_end = 0.012f;
  c.beta_schedule = "scaled_linear";
  c.prediction_type = "v_prediction";
  c.steps_offset = 1;
  c.timestep_spacing = "trailing";
  c.set_alpha_to_one = true;
  auto back = parse_scheduler_config(scheduler_config_to_json(c), "scheduler_config.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->beta_start, c.beta_start);
  EXPECT_EQ(back->beta_end, c.beta_end);
  EXPECT_EQ(back->beta_schedule, c.beta_schedule);
  EXPECT_EQ(back->prediction_type, c.prediction_type);
  EXPECT_EQ(back->steps_offset, c.steps_offset);
  EXPECT_EQ(back->timestep_spacing, c.timestep_spacing);
  EXPECT_TRUE(back->set_alpha_to_one);
}

TEST(SchedulerConfigJson, MissingKeysTakeDiffusersDefaultsAndBadValuesNameTheKey) {
  auto defaults = parse_scheduler_config(*json::parse("{}", "s.json"), "s.json");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->beta_schedule, "linear");
  EXPECT_FALSE(defaults->set_alpha_to_one);

  auto bad = parse_scheduler_config(*json::parse(R"({"set_alpha_to_one": "yes"})", "s.json"), "s.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("set_alpha_to_one"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("s.json"), std::string::npos) << bad.error().message;
}
