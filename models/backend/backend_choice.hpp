#pragma once
// Which backend a node or a command renders with: a device and the precision weights and
// activations are stored in. One place decides what exists, so a node config, `seedgrid render`,
// `seedgrid audit` and the benches accept and refuse the same pairs with the same words.
//
//   device  precision  backend             determinism class
//   cpu     f32        CpuBackend          cpu-<arch>-f32-<hash>   (the reference)
//   cpu     f16        F16StorageBackend   cpu-<arch>-f16s-<hash>  (fp16 storage on the CPU: the
//                                          numbers of a GPU fp16 render, on any machine)
//   cuda    f16        CudaBackend         cuda-sm<cc>-<gpu>-f16-<hash> (builds with CUDA)
#include <memory>
#include <string>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/result.hpp"

namespace seedgrid {

struct BackendChoice {
  std::string device = "cpu";
  std::string precision;  // empty: the device's default (cpu f32, cuda f16)
  int threads = 0;        // CPU kernel threads; 0: all cores
};

// The devices a config may name, whether or not this build or machine has them.
const std::vector<std::string>& backend_devices();
// The precision `choice` renders in ("f32", "f16"), or an error naming the pair and what the
// device offers. Needs no device: config validation uses it.
Result<std::string> resolve_precision(const std::string& device, const std::string& precision);
// The backend itself. A device this build lacks, or a GPU the driver cannot find, is an error
// saying which and what to do.
Result<std::unique_ptr<Backend>> open_backend(const BackendChoice& choice);

}  // namespace seedgrid
