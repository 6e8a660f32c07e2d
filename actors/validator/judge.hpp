#pragma once
// How a validator decides an audit from its own re-render of the job:
//   same determinism class as the worker: the bytes must be identical (the output hashes equal);
//   different classes (e.g. a GPU fp16 worker, a CPU fp32 validator): the claimed pixels must hash
//   to the claimed output hash, and differ from the re-render by at most the configured mean and
//   largest per-value difference.
// Deeper checks (single-step audits against committed latents, tolerances calibrated per pair of
// classes) are a later issue; the verdict already carries the numbers they need.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/protocol/audit.hpp"

namespace seedgrid::validator {

struct Tolerance {
  double mean_abs = 2.0;  // mean |difference| per channel value, in 0..255 levels
  std::uint32_t max_abs = 48;
};

// An unsigned verdict (the caller signs it).
protocol::Verdict judge(const protocol::AuditTask& task,
                        const std::vector<std::uint8_t>& recomputed,
                        const std::string& own_determinism_class, const Tolerance& tolerance);

}  // namespace seedgrid::validator
