#include "runtime/base/client/progress_meter.hpp"

#include <algorithm>

namespace seedgrid::client {

void ProgressMeter::step(std::uint32_t index, std::uint32_t step) {
  if (index >= images_) return;
  Image& image = seen_[index];
  const std::uint32_t reached = std::min(step, steps_);
  if (image.delivered || reached <= image.steps) return;
  units_ += reached - image.steps;
  image.steps = reached;
}

void ProgressMeter::delivered(std::uint32_t index) {
  if (index >= images_) return;
  step(index, steps_);
  Image& image = seen_[index];
  if (image.delivered) return;
  image.delivered = true;
  ++units_;
  ++delivered_;
}

int ProgressMeter::percent() const {
  const std::uint64_t total = std::uint64_t(images_) * (std::uint64_t(steps_) + 1);
  if (total == 0) return 100;
  // Rounded down, so 100 only when every unit (every delivery) is in.
  return static_cast<int>(units_ * 100 / total);
}

}  // namespace seedgrid::client
