#pragma once
// A device that failed under an op: memory it could not get, a launch that failed, a GPU that was
// lost. Backend ops return tensors, not Results, so that the networks read as arithmetic; a
// backend throws this instead, and Pipeline's entry points catch it (with std::bad_alloc) and
// return it as an Error, so a worker fails the job and keeps serving rather than dying.
// A shape or dtype that does not fit an op is not a device fault but a bug: that still aborts.
#include <stdexcept>

namespace seedgrid {

class DeviceFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace seedgrid
