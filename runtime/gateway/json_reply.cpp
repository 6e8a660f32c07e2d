#include "runtime/gateway/json_reply.hpp"

#include <boost/json.hpp>

namespace seedgrid::gateway {

HttpResponse json_reply(int status, const boost::json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

HttpResponse error_reply(int status, std::string_view message, std::string_view rc) {
  return json_reply(status, boost::json::object{{"message", message}, {"rc", rc}});
}

Result<boost::json::object> parse_json_object(std::string_view body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) return fail("the body is not valid JSON: ", ec.message());
  if (!value.is_object()) return fail("the body must be a JSON object");
  return std::move(value.as_object());
}

}  // namespace seedgrid::gateway
