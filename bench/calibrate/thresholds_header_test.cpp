#include "thresholds_header.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/calibrated_thresholds.hpp"

namespace seedgrid::bench {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The measurement paragraph of a written header: the comment lines between the preamble's "//"
// line and the #include, joined back into one line.
std::string measurement_of(const std::string& header) {
  const auto start = header.find("\n//\n");
  const auto end = header.find("#include");
  std::istringstream lines(header.substr(start + 4, end - start - 4));
  std::string out;
  for (std::string line; std::getline(lines, line);)
    out += (out.empty() ? "" : " ") + line.substr(3);
  return out;
}

TEST(ThresholdsHeader, TheShippedHeaderIsExactlyWhatBenchCalibrateWritesForItsValues) {
  const std::string shipped = read_file(SEEDGRID_SOURCE_DIR "/config/calibrated_thresholds.hpp");
  ASSERT_FALSE(shipped.empty());
  EXPECT_EQ(thresholds_header(config::kCalibratedThresholds, measurement_of(shipped)), shipped);
}

TEST(ThresholdsHeader, EachValueIsWrittenInTheShortestFormThatReadsBackToIt) {
  config::ValidatorThresholds t{0.1 + 0.2, 0.02125, 48.89, 30.0, 0.99979, 1e-7};
  const std::string h = thresholds_header(t, "Measurement: a test.");
  EXPECT_NE(h.find("    .step_pass = 0.30000000000000004,\n"), std::string::npos) << h;
  EXPECT_NE(h.find("    .step_fail = 0.02125,\n"), std::string::npos) << h;
  EXPECT_NE(h.find("    .psnr_pass = 48.89,\n"), std::string::npos) << h;
  EXPECT_NE(h.find("    .psnr_fail = 30,\n"), std::string::npos) << h;
  EXPECT_NE(h.find("    .ssim_fail = 1e-07,\n"), std::string::npos) << h;
  EXPECT_NE(h.find("#include \"config/validator_thresholds.hpp\""), std::string::npos) << h;
}

TEST(ThresholdsHeader, TheMeasurementIsWrappedIntoCommentLinesOfAtMost100Columns) {
  std::string long_text = "Measurement:";
  for (int i = 0; i < 60; ++i) long_text += " word" + std::to_string(i);
  const std::string h = thresholds_header({}, long_text);
  std::istringstream lines(h);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
  EXPECT_EQ(measurement_of(h), long_text);
}

}  // namespace
}  // namespace seedgrid::bench
