#pragma once
// Admission checks of a GenerateRequest, before any money moves. Each refusal carries its stable
// error code and a reason naming the field and the accepted range.
#include "actors/coordinator/model_catalog.hpp"
#include "actors/coordinator/task_catalog.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/network_limits.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

// `tasks`: the task types served by script (null: none). A scripted request's parameters are
// checked by admit_task (task_admission.hpp); here only that a built-in task type has none. The
// signature is verified unless it was `checked` already.
protocol::Reply validate_request(
    const protocol::GenerateRequest& request, const ModelCatalog& catalog,
    const config::RequestLimits& limits, bool benchmark_tasks, const TaskCatalog* tasks = nullptr,
    protocol::RequestSignature signature = protocol::RequestSignature::unchecked);

// A txt2img job against its catalog model's own limits (models/pipeline/render_limits.hpp): sizes,
// steps, guidance, sampler and schedule. Part of validate_request; also how the coordinator judges
// a worker's job_invalid report (a job these limits accept is the worker's fault). Ok for other
// task types and for models not in the catalog (validate_request refuses those).
protocol::Reply validate_job_for_model(const protocol::JobSpec& spec, const ModelCatalog& catalog);

// The config's limits as the status report publishes them and validate_request applies them.
protocol::NetworkLimits network_limits_of(const config::RequestLimits& limits);

// Request ids are chosen by clients: 1..64 characters of [A-Za-z0-9._-].
bool valid_request_id(std::string_view id);

}  // namespace seedgrid::coordinator
