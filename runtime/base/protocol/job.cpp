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
  if (s.scripted() || !s.params.empty() || !s.passes.empty()) {
    w.str(s.task_script).u64(s.params.size());
    for (const auto& p : s.params) w.str(p.name).str(p.value);
    w.u64(s.passes.size());
    for (const auto& pass : s.passes) w.u32(pass.steps).u64(pass.pixels);
  }
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
  s.params = r.params;
  return s;
}

std::string job_id_of(std::string_view request_id, std::uint32_t index) {
  return JobId{std::string(request_id), index}.str();
}

bool batch_compatible(const JobSpec& a, const JobSpec& b) {
  if (a.scripted() || b.scripted()) return false;
  return a.model_id == b.model_id && a.task_type == b.task_type && a.steps == b.steps &&
         a.sampler == b.sampler && a.karras == b.karras && a.width == b.width &&
         a.height == b.height;
}

std::uint64_t job_work(const JobSpec& spec) {
  if (spec.scripted()) return passes_work(spec.passes);
  return static_cast<std::uint64_t>(spec.width) * spec.height * spec.steps;
}

std::uint64_t passes_work(const std::vector<TaskPass>& passes) {
  std::uint64_t work = 0;
  for (const auto& pass : passes) work += pass.pixels * pass.steps;
  return work;
}

}  // namespace seedgrid::protocol
