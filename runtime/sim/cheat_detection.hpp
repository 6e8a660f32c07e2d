#pragma once
// How often an audit catches each cheat of the zoo, per audited job, with the coordinator's
// default plan (noise, decode, k = 3 steps, 5 % full re-renders): bench/RESULTS.md, "Verification:
// cost and time to catch a cheater", measured by bench_calibrate and asserted by
// tests/unit/cheats/detection_matrix_test.cpp. Within a class bytes decide and every cheat fails;
// across classes skipped_guidance slips past 6 % of step audits and quantized_8bit is caught only
// by the full re-render (grey, escalated to a same-class referee).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seedgrid::sim {

struct CheatDetection {
  std::string_view kind;
  double same_class = 1.0;   // validator of the worker's determinism class
  double cross_class = 1.0;  // validator of another class
};

// The row of `kind`; none for a name not in the zoo.
std::optional<CheatDetection> cheat_detection(std::string_view kind);
std::vector<std::string> cheat_kinds();

}  // namespace seedgrid::sim
