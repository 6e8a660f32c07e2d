#pragma once
// Pretty-printed JSON (two-space indent, keys in the object's own order) for configs people read.
#include <boost/json/value.hpp>

#include <string>

namespace seedgrid::config {
std::string pretty_json(const boost::json::value& value);
}
