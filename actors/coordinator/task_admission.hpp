#pragma once
// Admission of a request of a scripted task type, before any hold is placed: its parameters
// against the script's schema (task_script/job_params.hpp) and the passes the script declares for
// them against the network's limits. A refusal is invalid_task_param with a message naming the
// parameter and value, and nothing is charged. What is admitted is the task the request runs:
// the script's id and declared passes (priced by their sum of steps x pixels).
#include <optional>

#include "actors/coordinator/job_state.hpp"
#include "actors/coordinator/task_catalog.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

struct TaskAdmission {
  protocol::Reply reply;            // not ok: refused
  std::optional<RequestTask> task;  // ok: set for a scripted task type, none for a built-in one
};

TaskAdmission admit_task(const protocol::GenerateRequest& request, const TaskCatalog& tasks,
                         const config::RequestLimits& limits);

}  // namespace seedgrid::coordinator
