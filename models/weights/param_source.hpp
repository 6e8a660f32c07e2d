#pragma once
// Where a network's parameters come from while it is built. A network's load code names each of
// its parameters once, with its shape, and that one description serves twice: to load weights onto
// a backend (UploadingParamSource), and to list the parameters a config implies
// (RecordingParamSource: the presets write exactly these; a checkpoint is checked against them).
//
// Errors are sticky: the first missing or mis-shaped tensor is kept and later requests return
// undefined tensors, so load code reads straight through and checks status() once at the end.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/result.hpp"
#include "models/tensor/tensor.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

// How a network uses a parameter, which decides the form a backend may keep it in: a matrix only
// ever reaches an op as linear's or conv2d's weight or embedding's table (Backend::upload_matrix).
enum class ParamUse : std::uint8_t { plain, matrix };

struct ParamSpec {
  std::string name;  // diffusers name within its component
  Shape shape;
};

class ParamSource {
 public:
  virtual ~ParamSource() = default;
  // The parameter `name` of exactly `shape` on the backend; undefined after an error or when only
  // recording.
  Tensor get(const std::string& name, const Shape& shape, ParamUse use = ParamUse::plain);
  Result<void> status() const;

 protected:
  virtual Result<Tensor> fetch(const std::string& name, const Shape& shape, ParamUse use) = 0;

 private:
  std::optional<Error> error_;
};

// Takes each parameter from a WeightSet (checking its shape) and uploads it to a backend.
class UploadingParamSource final : public ParamSource {
 public:
  UploadingParamSource(WeightSet& weights, Backend& backend)
      : weights_(weights), backend_(backend) {}

 protected:
  Result<Tensor> fetch(const std::string& name, const Shape& shape, ParamUse use) override;

 private:
  WeightSet& weights_;
  Backend& backend_;
};

// Lists the parameters without any weights behind them.
class RecordingParamSource final : public ParamSource {
 public:
  const std::vector<ParamSpec>& specs() const { return specs_; }

 protected:
  Result<Tensor> fetch(const std::string& name, const Shape& shape, ParamUse use) override;

 private:
  std::vector<ParamSpec> specs_;
};

// A ParamSource seen under a name prefix, as a module sees its own parameters:
//   Params block = params.at("down_blocks.", 0);  block.get("resnets.0.conv1.weight", shape)
class Params {
 public:
  explicit Params(ParamSource& source, std::string prefix = "")
      : source_(&source), prefix_(std::move(prefix)) {}

  template <class... Parts>
  Params at(Parts&&... parts) const {
    return Params(*source_, prefix_ + message_of(std::forward<Parts>(parts)...) + ".");
  }
  Tensor get(std::string_view name, const Shape& shape) const {
    return source_->get(prefix_ + std::string(name), shape);
  }
  // A parameter used only as linear's or conv2d's weight or as embedding's table (ParamUse).
  Tensor matrix(std::string_view name, const Shape& shape) const {
    return source_->get(prefix_ + std::string(name), shape, ParamUse::matrix);
  }

 private:
  ParamSource* source_;
  std::string prefix_;
};

// Builds a network's parameters with `build(const Params&)` from `weights`, uploading each to
// `backend`: the first missing or mis-shaped tensor, or any tensor left unused, is the error.
template <class Build>
Result<void> build_from_weights(WeightSet& weights, Backend& backend, Build&& build) {
  UploadingParamSource source(weights, backend);
  build(Params(source));
  if (auto ok = source.status(); !ok) return ok;
  return weights.check_all_used();
}

// The parameters `build(const Params&)` asks for, without any weights.
template <class Build>
std::vector<ParamSpec> record_parameters(Build&& build) {
  RecordingParamSource source;
  build(Params(source));
  return source.specs();
}

}  // namespace seedgrid
