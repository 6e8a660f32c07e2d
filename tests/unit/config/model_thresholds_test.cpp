// A model folder's own thresholds (calibrated_thresholds.json): read when present, nothing when
// absent or for a single-file checkpoint, and an error naming the file and each bad field.
#include "config/model_thresholds.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::config {
namespace {

namespace fs = std::filesystem;

class ModelThresholds : public ::testing::Test {
 protected:
  void write(const std::string& text) {
    std::ofstream(dir_ / kModelThresholdsFile) << text;
  }
  test::TestDir folder_;
  fs::path dir_ = folder_.path();
};

TEST_F(ModelThresholds, WhatBenchCalibrateWritesReadsBack) {
  const ValidatorThresholds t{0.08, 0.12, 28.0, 25.5, 0.98, 0.9};
  write(model_thresholds_json(t, "measured on the shapes model"));
  const auto read = read_model_thresholds(dir_.string());
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_TRUE(*read);
  EXPECT_EQ((*read)->step_pass, 0.08);
  EXPECT_EQ((*read)->step_fail, 0.12);
  EXPECT_EQ((*read)->psnr_pass, 28.0);
  EXPECT_EQ((*read)->psnr_fail, 25.5);
  EXPECT_EQ((*read)->ssim_pass, 0.98);
  EXPECT_EQ((*read)->ssim_fail, 0.9);
}

TEST_F(ModelThresholds, AFolderWithoutTheFileOrAFileCheckpointHasNone) {
  const auto none = read_model_thresholds(dir_.string());
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);
  std::ofstream(dir_ / "model.safetensors") << "x";
  const auto file = read_model_thresholds((dir_ / "model.safetensors").string());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_FALSE(*file);
}

TEST_F(ModelThresholds, ABadFileIsNamedWithEachBadField) {
  write(R"({"step_pass": 0.2, "step_fail": 0.1, "psnr_pass": "high", "psnr_fail": 20,
            "ssim_pass": 0.9, "extra": 1})");
  const auto bad = read_model_thresholds(dir_.string());
  ASSERT_FALSE(bad);
  const std::string& m = bad.error().message;
  EXPECT_NE(m.find((dir_ / kModelThresholdsFile).string()), std::string::npos) << m;
  EXPECT_NE(m.find("$.ssim_fail: missing"), std::string::npos) << m;
  EXPECT_NE(m.find("$.psnr_pass"), std::string::npos) << m;
  EXPECT_NE(m.find("$.extra"), std::string::npos) << m;
  EXPECT_NE(m.find("$.step_fail: must be at least step_pass"), std::string::npos) << m;
  write("{not json");
  const auto garbled = read_model_thresholds(dir_.string());
  ASSERT_FALSE(garbled);
  EXPECT_NE(garbled.error().message.find("not JSON"), std::string::npos)
      << garbled.error().message;
}

}  // namespace
}  // namespace seedgrid::config
