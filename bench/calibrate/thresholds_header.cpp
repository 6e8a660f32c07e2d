#include "thresholds_header.hpp"

#include <charconv>
#include <sstream>
#include <utility>
#include <vector>

namespace seedgrid::bench {

namespace {

constexpr std::size_t kWidth = 100;

constexpr const char* kPreamble = R"(#pragma once
// Written by bench/calibrate (`bench_calibrate ... --header config/calibrated_thresholds.hpp`):
// re-run it rather than editing by hand. The validator's default cross-class thresholds, picked
// by the rule of bench/calibrate/pick_thresholds.hpp (pass = 2x the worst honest difference;
// fail = the geometric mean of pass and the cheats' side; never crossing).
//
)";

std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// "// " + words, each line at most kWidth columns (a longer word gets a line of its own).
std::string comment(const std::string& text) {
  std::istringstream words(text);
  std::string out, line, word;
  while (words >> word) {
    if (!line.empty() && 3 + line.size() + 1 + word.size() > kWidth) {
      out += "// " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += "// " + line + "\n";
  return out;
}

}  // namespace

std::string thresholds_header(const config::ValidatorThresholds& t,
                              const std::string& measurement) {
  const std::vector<std::pair<const char*, double>> fields{
      {"step_pass", t.step_pass}, {"step_fail", t.step_fail}, {"psnr_pass", t.psnr_pass},
      {"psnr_fail", t.psnr_fail}, {"ssim_pass", t.ssim_pass}, {"ssim_fail", t.ssim_fail}};
  std::string out = kPreamble;
  out += comment(measurement);
  out += "#include \"config/validator_thresholds.hpp\"\n\nnamespace seedgrid::config {\n\n";
  out += "inline constexpr ValidatorThresholds kCalibratedThresholds{\n";
  for (const auto& [name, value] : fields)
    out += std::string("    .") + name + " = " + shortest(value) + ",\n";
  out += "};\n\n}  // namespace seedgrid::config\n";
  return out;
}

}  // namespace seedgrid::bench
