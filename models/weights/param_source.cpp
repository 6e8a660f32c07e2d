#include "models/weights/param_source.hpp"

namespace seedgrid {

Tensor ParamSource::get(const std::string& name, const Shape& shape, ParamUse use) {
  if (error_) return {};
  auto t = fetch(name, shape, use);
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

Result<Tensor> UploadingParamSource::fetch(const std::string& name, const Shape& shape,
                                           ParamUse use) {
  auto host = weights_.take(name, shape);
  if (!host) return host;
  return use == ParamUse::matrix ? backend_.upload_matrix(*host) : backend_.upload_weight(*host);
}

Result<Tensor> RecordingParamSource::fetch(const std::string& name, const Shape& shape, ParamUse) {
  specs_.push_back({name, shape});
  return Tensor();
}

}  // namespace seedgrid
