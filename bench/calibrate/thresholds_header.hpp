#pragma once
// The text of config/calibrated_thresholds.hpp: the picked thresholds as
// config::kCalibratedThresholds, after a comment that says how they were measured. bench_calibrate
// writes it with --header, so shipping new thresholds is one run and one commit.
#include <string>

#include "config/validator_thresholds.hpp"

namespace seedgrid::bench {

// `measurement`: one paragraph (date, machine, command, what was measured), wrapped into the
// comment at 100 columns. Each value is written in the shortest form that reads back to it.
std::string thresholds_header(const config::ValidatorThresholds& t, const std::string& measurement);

}  // namespace seedgrid::bench
