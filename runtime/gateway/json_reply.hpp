#pragma once
// JSON answers, and the one error shape every route uses, AI Horde's: {"message": ..., "rc": ...}
// where rc names the error ("InvalidAPIKey", "RequestNotFound", ...).
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/gateway/http_message.hpp"

namespace seedgrid::gateway {

HttpResponse json_reply(int status, const boost::json::value& body);
HttpResponse error_reply(int status, std::string_view message, std::string_view rc);

// Parses a request body as a JSON object; the error names what is wrong and where.
Result<boost::json::object> parse_json_object(std::string_view body);

}  // namespace seedgrid::gateway
