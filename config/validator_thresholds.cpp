#include "config/validator_thresholds.hpp"

#include "config/calibrated_thresholds.hpp"

namespace seedgrid::config {

ValidatorThresholds default_validator_thresholds() { return kCalibratedThresholds; }

}  // namespace seedgrid::config
