#pragma once
// One image of a request. The JobSpec is everything that decides the output bytes; its hash is
// what results and verdicts are bound to. The attempt counts re-runs (1-based); a job id plus its
// attempt is the idempotency key of every payment for it.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

// One sampler pass a scripted job declared (its script's cost()): what it is priced, timed and
// held to (its trajectory has steps + 1 leaves for the pass).
struct TaskPass {
  std::uint32_t steps = 0;   // sampler steps run
  std::uint64_t pixels = 0;  // width * height of the image the pass renders at

  bool operator==(const TaskPass&) const = default;
};

struct JobSpec {
  std::string model_id;
  std::string task_type{kTaskTxt2Img};
  std::string prompt;
  std::string negative_prompt;
  std::uint64_t seed = 0;
  std::uint32_t steps = 0;
  float guidance = 0.0f;
  std::string sampler;
  bool karras = false;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  // A scripted task type: the script's id (SHA-256 of its bytes, 64 hex), the request's
  // parameters and the passes the script declared for them (set by the coordinator at submit).
  // All empty for built-in task types, whose spec hash is then what it always was.
  std::string task_script;
  TaskParams params;
  std::vector<TaskPass> passes;

  bool operator==(const JobSpec&) const = default;
  bool scripted() const { return !task_script.empty(); }
};

struct Job {
  std::string job_id;  // "<request id>/<index>"
  std::string request_id;
  std::uint32_t index = 0;
  std::uint32_t attempt = 1;
  Tier tier = Tier::fast;
  JobSpec spec;
};

Digest spec_hash(const JobSpec& spec);
// The spec of image `index`: the request's fields with seed + index (wrapping mod 2^64), params
// included; a scripted task's script id and passes are the coordinator's to add.
JobSpec job_spec_of(const GenerateRequest& r, std::uint32_t index);
// "<request id>/<index>" (ids.hpp parses it).
std::string job_id_of(std::string_view request_id, std::uint32_t index);
// Two jobs render in one batch only when these agree (and they share a model): the pipeline
// batches specs that differ only in prompt and seed. A scripted job renders alone.
bool batch_compatible(const JobSpec& a, const JobSpec& b);
// Pixels times steps: the unit of work that deadlines and worker speed are measured in (for a
// scripted job, summed over its declared passes).
std::uint64_t job_work(const JobSpec& spec);
// Pixels times steps summed over a script's passes: a scripted job's work, and what its price
// counts (PriceInputs.pixel_steps).
std::uint64_t passes_work(const std::vector<TaskPass>& passes);

}  // namespace seedgrid::protocol
