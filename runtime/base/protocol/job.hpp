#pragma once
// One image of a request. The JobSpec is everything that decides the output bytes; its hash is
// what results and verdicts are bound to. The attempt counts re-runs (1-based); a job id plus its
// attempt is the idempotency key of every payment for it.
#include <cstdint>
#include <string>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

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

  bool operator==(const JobSpec&) const = default;
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
// The spec of image `index`: the request's fields with seed + index (wrapping mod 2^64).
JobSpec job_spec_of(const GenerateRequest& r, std::uint32_t index);
// "<request id>/<index>" (ids.hpp parses it).
std::string job_id_of(std::string_view request_id, std::uint32_t index);
// Two jobs render in one batch only when these agree (and they share a model): the pipeline
// batches specs that differ only in prompt and seed.
bool batch_compatible(const JobSpec& a, const JobSpec& b);
// Pixels times steps: the unit of work that deadlines and worker speed are measured in.
std::uint64_t job_work(const JobSpec& spec);

}  // namespace seedgrid::protocol
