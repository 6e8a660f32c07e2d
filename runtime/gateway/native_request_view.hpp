#pragma once
// How the native API (/v1) shows one request: its phase, each job's state and step, each image
// with the money it moved and its audit, and the refusal or the completion's totals. The studio
// and API clients read these field names; they are part of the API.
#include <boost/json/object.hpp>

#include <string_view>

#include "runtime/gateway/request_book.hpp"

namespace seedgrid::gateway {

// "submitting", "accepted", "refused", "completed".
std::string_view phase_name(Phase p);
boost::json::object request_json(const RequestRecord& r);

}  // namespace seedgrid::gateway
