#pragma once
// Admission checks of a GenerateRequest, before any money moves. Each refusal carries its stable
// error code and a reason naming the field and the accepted range.
#include "actors/coordinator/model_catalog.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

inline constexpr std::string_view kSamplers[] = {"euler", "euler_a", "ddim", "dpmpp_2m"};

protocol::Reply validate_request(const protocol::GenerateRequest& request,
                                 const ModelCatalog& catalog, const config::RequestLimits& limits,
                                 bool benchmark_tasks);

// Request ids are chosen by clients: 1..64 characters of [A-Za-z0-9._-].
bool valid_request_id(std::string_view id);

}  // namespace seedgrid::coordinator
