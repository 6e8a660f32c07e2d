#pragma once
// Internal to config/: the six threshold fields as a node config's validator.thresholds and a
// model's calibrated_thresholds.json both hold them, with the same checks.
#include <boost/json/value.hpp>

#include <string>
#include <vector>

#include "config/json_fields.hpp"
#include "config/validator_thresholds.hpp"

namespace seedgrid::config::detail {

// Reads the fields of the object `v` (at JSON path `path`) into `t`; `also` names keys the caller
// allows beside them.
void read_thresholds(const boost::json::value& v, const std::string& path, ValidatorThresholds& t,
                     Problems& problems, const std::vector<std::string>& also = {});

}  // namespace seedgrid::config::detail
