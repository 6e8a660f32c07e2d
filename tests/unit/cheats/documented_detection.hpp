#pragma once
// The detection table of bench/RESULTS.md ("Detection rate per cheat per audit kind"), read from
// the file itself, so that the detection matrix test asserts what the document claims and a change
// to either shows as a failing test. A cell is "fail %" or "fail % [grey %]" over bench_calibrate's
// cheat jobs; what it allows of any one job is the outcomes whose share it lists above 0.
#include <array>
#include <map>
#include <set>
#include <string>

#include "models/result.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::testing {

struct DetectionCell {
  int fail = 0;  // % of jobs the audit failed
  int grey = 0;  // % of jobs it called grey
  int pass() const { return 100 - fail - grey; }
  // The outcomes a single job may have: pass only if some jobs passed, and so on.
  std::set<verify::FindingOutcome> allowed() const;
};

// One row per cheat: noise, step, decode, full (AuditKind order).
struct DetectionRow {
  std::array<DetectionCell, 4> same_class;   // a cpu worker, bytes
  std::array<DetectionCell, 4> cross_class;  // an f16s worker, the shipped thresholds
};

Result<std::map<std::string, DetectionRow>> parse_detection_table(const std::string& markdown);
// bench/RESULTS.md of this source tree, parsed.
const std::map<std::string, DetectionRow>& documented_detection();

}  // namespace seedgrid::testing
