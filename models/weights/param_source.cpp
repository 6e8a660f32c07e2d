#include "models/weights/param_source.hpp"

namespace seedgrid {

Tensor ParamSource::get(const std::string& name, const Shape& shape) {
  if (error_) return {};
  auto t = fetch(name, shape);
  if (!t) {
    error_ = t.error();
    return {};
  }
  return std::move(*t);
}

Result<void> ParamSource::status() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

Result<Tensor> UploadingParamSource::fetch(const std::string& name, const Shape& shape) {
  auto host = weights_.take(name, shape);
  if (!host) return host;
  return backend_.upload_weight(*host);
}

Result<Tensor> RecordingParamSource::fetch(const std::string& name, const Shape& shape) {
  specs_.push_back({name, shape});
  return Tensor();
}

}  // namespace seedgrid
