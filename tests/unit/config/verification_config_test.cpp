#include <gtest/gtest.h>

#include "config/node_config.hpp"

namespace seedgrid::config {
namespace {

TEST(VerificationConfig, AuditPolicyWorkerWindowAndValidatorThresholdsParseAndRoundTrip) {
  auto c = parse_node_config(R"({
    "roles": ["coordinator", "treasury", "worker", "validator"],
    "node": {"key_file": "k", "data_dir": "d"},
    "coordinator": {"models": [{"id": ")" + std::string(64, 'a') + R"("}],
      "audit": {"rate": 0.05, "max_rate": 0.5, "step_audits": 3, "full_rate": 0.1,
                "new_worker_results": 5, "stake_at_risk": 2000000, "appeal_window_ms": 9000}},
    "treasury": {},
    "worker": {"models": [{"path": "m"}], "challenge_window_ms": 120000,
               "trajectory_cap_bytes": 1048576, "test_fault": "forged_trajectory"},
    "validator": {"models": [{"path": "m"}], "test_fault": "false_accuse",
                  "thresholds": {"step_pass": 0.02, "step_fail": 0.3}}
  })",
                             "test.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->coordinator->audit.step_audits, 3u);
  EXPECT_DOUBLE_EQ(c->coordinator->audit.max_rate, 0.5);
  EXPECT_EQ(c->coordinator->audit.stake_at_risk, 2'000'000);
  EXPECT_EQ(c->coordinator->audit.appeal_window_ms, 9'000u);
  EXPECT_EQ(c->worker->challenge_window_ms, 120'000u);
  EXPECT_EQ(c->worker->trajectory_cap_bytes, 1'048'576u);
  EXPECT_EQ(c->worker->test_fault, "forged_trajectory");
  EXPECT_EQ(c->validator->test_fault, "false_accuse");
  EXPECT_DOUBLE_EQ(c->validator->thresholds.step_fail, 0.3);
  // Unset thresholds keep the calibrated defaults.
  EXPECT_DOUBLE_EQ(c->validator->thresholds.psnr_pass, default_validator_thresholds().psnr_pass);
  auto again = parse_node_config(to_json_text(*c), "again.json");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->coordinator->audit.full_rate, c->coordinator->audit.full_rate);
  EXPECT_EQ(again->validator->thresholds.step_pass, c->validator->thresholds.step_pass);
}

TEST(VerificationConfig, InconsistentValuesAreRefusedWithTheirPath) {
  auto c = parse_node_config(R"({"roles": ["validator"], "node": {"key_file": "k"},
    "validator": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
                  "thresholds": {"step_pass": 0.5, "step_fail": 0.1}, "test_fault": "lie"}})",
                             "test.json");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("$.validator.thresholds.step_fail"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("$.validator.test_fault"), std::string::npos)
      << c.error().message;
  // A worker that keeps no latents (or not long enough) fails every audit it is sent as a cheat.
  auto w = parse_node_config(R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "h", "port": 1}, "models": [{"path": "m"}],
               "trajectory_cap_bytes": 0, "challenge_window_ms": 0}})",
                             "test.json");
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("$.worker.trajectory_cap_bytes"), std::string::npos)
      << w.error().message;
  EXPECT_NE(w.error().message.find("$.worker.challenge_window_ms"), std::string::npos)
      << w.error().message;
  auto d = default_validator_thresholds();
  EXPECT_LE(d.step_pass, d.step_fail);
  EXPECT_GE(d.psnr_pass, d.psnr_fail);
}

}  // namespace
}  // namespace seedgrid::config
