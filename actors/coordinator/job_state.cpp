#include "actors/coordinator/job_state.hpp"

#include <algorithm>

namespace seedgrid::coordinator {

std::string_view job_phase_name(JobPhase p) {
  switch (p) {
    case JobPhase::queued:
      return "queued";
    case JobPhase::assigned:
      return "assigned";
    case JobPhase::running:
      return "running";
    case JobPhase::auditing:
      return "auditing";
    case JobPhase::settling:
      return "settling";
    case JobPhase::delivered:
      return "delivered";
    case JobPhase::refunding:
      return "refunding";
    case JobPhase::failed:
      return "failed";
    case JobPhase::cancelling:
      return "cancelling";
    case JobPhase::paying_cancelled:
      return "paying_cancelled";
    case JobPhase::cancelled:
      return "cancelled";
  }
  return "unknown";
}

bool is_final(JobPhase p) {
  return p == JobPhase::delivered || p == JobPhase::failed || p == JobPhase::cancelled;
}

bool is_on_worker(JobPhase p) {
  return p == JobPhase::assigned || p == JobPhase::running || p == JobPhase::cancelling;
}

bool RequestState::all_final() const {
  return std::all_of(jobs.begin(), jobs.end(), [](const JobState& j) { return is_final(j.phase); });
}

protocol::JobSpec spec_of(const RequestState& r, std::uint32_t index) {
  protocol::JobSpec spec = protocol::job_spec_of(r.request, index);
  if (r.task) {
    spec.task_script = r.task->script_id;
    spec.passes = r.task->passes;
  }
  return spec;
}

}  // namespace seedgrid::coordinator
