#include "config/json_pretty.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace seedgrid::config {
namespace {

void write(const boost::json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (const auto* obj = v.if_object()) {
    if (obj->empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : *obj) {
      if (!first) out += ",\n";
      first = false;
      out += inner + boost::json::serialize(boost::json::value(kv.key())) + ": ";
      write(kv.value(), out, indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (const auto* arr = v.if_array()) {
    bool scalars = true;
    for (const auto& e : *arr) scalars = scalars && !e.is_object() && !e.is_array();
    if (arr->empty() || scalars) {
      out += "[";
      for (std::size_t i = 0; i < arr->size(); ++i) {
        if (i > 0) out += ",";
        write((*arr)[i], out, indent + 1);
      }
      out += "]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < arr->size(); ++i) {
      if (i > 0) out += ",\n";
      out += inner;
      write((*arr)[i], out, indent + 1);
    }
    out += "\n" + pad + "]";
  } else if (v.is_double()) {
    out += number_text(v.get_double());
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

// The shortest text that reads back as the same double (C++17 to_chars).
std::string number_text(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  write(value, out, 0);
  out += "\n";
  return out;
}

}  // namespace seedgrid::config
