#include "runtime/base/protocol/job.hpp"

#include "runtime/base/protocol/ids.hpp"

#include "runtime/base/protocol/canonical.hpp"

namespace seedgrid::protocol {

Digest spec_hash(const JobSpec& s) {
  CanonicalWriter w("seedgrid/job-spec/v1");
  w.str(s.model_id)
      .str(s.task_type)
      .str(s.prompt)
      .str(s.negative_prompt)
      .u64(s.seed)
      .u32(s.steps)
      .f32(s.guidance)
      .str(s.sampler)
      .boolean(s.karras)
      .u32(s.width)
      .u32(s.height);
  return w.digest();
}

JobSpec job_spec_of(const GenerateRequest& r, std::uint32_t index) {
  JobSpec s;
  s.model_id = r.model_id;
  s.task_type = r.task_type;
  s.prompt = r.prompt;
  s.negative_prompt = r.negative_prompt;
  s.seed = r.seed + index;
  s.steps = r.steps;
  s.guidance = r.guidance;
  s.sampler = r.sampler;
  s.karras = r.karras;
  s.width = r.width;
  s.height = r.height;
  return s;
}

std::string job_id_of(std::string_view request_id, std::uint32_t index) {
  return JobId{std::string(request_id), index}.str();
}

bool batch_compatible(const JobSpec& a, const JobSpec& b) {
  return a.model_id == b.model_id && a.task_type == b.task_type && a.steps == b.steps &&
         a.sampler == b.sampler && a.karras == b.karras && a.width == b.width &&
         a.height == b.height;
}

std::uint64_t job_work(const JobSpec& spec) {
  return static_cast<std::uint64_t>(spec.width) * spec.height * spec.steps;
}

}  // namespace seedgrid::protocol
