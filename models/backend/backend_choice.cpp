#include "models/backend/backend_choice.hpp"

#include "models/backend/cpu_backend.hpp"
#include "models/backend/f16_storage_backend.hpp"
#if defined(SEEDGRID_HAVE_CUDA)
#include "models/backend/cuda_backend.hpp"
#endif

namespace seedgrid {

namespace {

struct DeviceOffer {
  const char* device;
  const char* default_precision;
  std::vector<std::string> precisions;
};

const std::vector<DeviceOffer>& offers() {
  // bf16 storage on the GPU (issue 5) is not written yet: refusing it beats silently rendering f16
  // under a bf16 label, since the precision is part of what a worker signs.
  static const std::vector<DeviceOffer> table{
      {"cpu", "f32", {"f32", "f16"}},
      {"cuda", "f16", {"f16"}},
  };
  return table;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "\"" : ", \"") + i + "\"";
  return out;
}

}  // namespace

const std::vector<std::string>& backend_devices() {
  static const std::vector<std::string> devices = [] {
    std::vector<std::string> d;
    for (const auto& o : offers()) d.emplace_back(o.device);
    return d;
  }();
  return devices;
}

Result<std::string> resolve_precision(const std::string& device, const std::string& precision) {
  for (const auto& o : offers()) {
    if (device != o.device) continue;
    if (precision.empty()) return std::string(o.default_precision);
    for (const auto& p : o.precisions)
      if (p == precision) return p;
    return fail("precision \"", precision, "\" is not available on device \"", device,
                "\": choose ", joined(o.precisions));
  }
  return fail("device must be ", joined(backend_devices()), ", found \"", device, "\"");
}

Result<std::unique_ptr<Backend>> open_backend(const BackendChoice& choice) {
  auto precision = resolve_precision(choice.device, choice.precision);
  if (!precision) return pass_on(precision);
  if (choice.threads < 0) return fail("threads must not be negative, found ", choice.threads);
  if (choice.device == "cpu") {
    if (*precision == "f16")
      return std::unique_ptr<Backend>(std::make_unique<F16StorageBackend>(choice.threads));
    return std::unique_ptr<Backend>(std::make_unique<CpuBackend>(choice.threads));
  }
#if defined(SEEDGRID_HAVE_CUDA)
  auto cuda = CudaBackend::create();
  if (!cuda) return context(cuda.error(), "device \"cuda\"");
  return std::unique_ptr<Backend>(std::move(*cuda));
#else
  return fail(
      "device \"cuda\": this build has no CUDA backend (configure with -DSEEDGRID_CUDA=ON "
      "on a machine with the CUDA toolkit), so use device \"cpu\"");
#endif
}

}  // namespace seedgrid
