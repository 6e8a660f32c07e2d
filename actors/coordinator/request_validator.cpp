#include "actors/coordinator/request_validator.hpp"

#include <algorithm>
#include <cmath>

#include "models/samplers/sampler_kind.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::refuse;
using protocol::Reply;

namespace {

bool is_model_id(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

protocol::Reply validate_job_for_model(const protocol::JobSpec& spec, const ModelCatalog& catalog) {
  if (spec.task_type != protocol::kTaskTxt2Img) return {};
  const RenderLimits* limits = catalog.limits(spec.model_id);
  const protocol::ModelEntry* model = catalog.find(spec.model_id);
  if (limits == nullptr || model == nullptr) return {};
  const std::string of_model = " (model " + model->name + ")";
  auto refused = [&](ErrorCode code, const Result<void>& check) {
    return refuse(code, check.error().message + of_model);
  };
  if (auto ok = check_image_side(*limits, "width", static_cast<int>(spec.width)); !ok)
    return refused(ErrorCode::invalid_size, ok);
  if (auto ok = check_image_side(*limits, "height", static_cast<int>(spec.height)); !ok)
    return refused(ErrorCode::invalid_size, ok);
  if (auto ok = check_sampling_steps(static_cast<int>(spec.steps)); !ok)
    return refused(ErrorCode::invalid_steps, ok);
  if (auto ok = check_guidance(spec.guidance); !ok) return refused(ErrorCode::invalid_guidance, ok);
  auto sampler = parse_sampler_kind(spec.sampler);
  if (!sampler) return refuse(ErrorCode::unknown_sampler, sampler.error().message);
  if (auto ok = check_karras_schedule(*sampler, spec.karras); !ok)
    return refused(ErrorCode::invalid_request, ok);
  return {};
}

// The id names the request in URLs (/v1/requests/ID) and file names: it starts with a letter or
// a digit, so it is never "." or ".." (which every URL library removes from a path).
bool valid_request_id(std::string_view id) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  return !id.empty() && id.size() <= 64 && alnum(id.front()) &&
         std::all_of(id.begin(), id.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

protocol::NetworkLimits network_limits_of(const config::RequestLimits& limits) {
  return {limits.max_count, limits.max_width,    limits.max_height,
          limits.max_steps, limits.max_guidance, limits.max_prompt_bytes};
}

protocol::Reply validate_request(const protocol::GenerateRequest& r, const ModelCatalog& catalog,
                                 const config::RequestLimits& limits, bool benchmark_tasks,
                                 const TaskCatalog* tasks, protocol::RequestSignature signature) {
  if (signature != protocol::RequestSignature::checked && !protocol::request_signature_valid(r))
    return refuse(ErrorCode::bad_signature,
                  "the request's signature does not verify for payer " + r.payer.hex());
  if (!valid_request_id(r.request_id))
    return refuse(ErrorCode::invalid_request,
                  "request_id must be 1..64 characters of [A-Za-z0-9._-] starting with a letter or "
                  "a digit, got '" +
                      r.request_id.substr(0, 80) + "'");
  if (!is_model_id(r.model_id))
    return refuse(ErrorCode::unknown_model,
                  "model_id must be 64 lowercase hex digits (the hash of the weights), got '" +
                      r.model_id.substr(0, 80) + "'");
  if (catalog.find(r.model_id) == nullptr)
    return refuse(ErrorCode::unknown_model, "model " + r.model_id +
                                                " is not served by this network (see `seedgrid "
                                                "status` for the models it serves)");
  const bool scripted = tasks != nullptr && tasks->find(r.task_type) != nullptr;
  const bool task_ok = r.task_type == protocol::kTaskTxt2Img ||
                       (benchmark_tasks && r.task_type == protocol::kTaskInstant) || scripted;
  if (!task_ok)
    return refuse(ErrorCode::unknown_task_type,
                  "task type '" + r.task_type.substr(0, 40) + "' is not served (txt2img" +
                      (benchmark_tasks ? ", instant" : "") +
                      (tasks != nullptr && !tasks->empty() ? ", " + tasks->names() : "") + ")");
  if (!scripted && !r.params.empty())
    return refuse(ErrorCode::invalid_task_param,
                  "task type " + r.task_type + " takes no parameters, given " +
                      r.params.front().name.substr(0, 40) + " = \"" +
                      r.params.front().value.substr(0, 40) +
                      "\" (parameters are for task types served by script)");
  if (const Reply within = protocol::check_network_limits(r, network_limits_of(limits));
      !within.ok())
    return within;
  if (auto sampler = parse_sampler_kind(r.sampler); !sampler)
    return refuse(ErrorCode::unknown_sampler, sampler.error().message);
  if (const Reply model = validate_job_for_model(protocol::job_spec_of(r, 0), catalog); !model.ok())
    return model;
  return {};
}

}  // namespace seedgrid::coordinator
