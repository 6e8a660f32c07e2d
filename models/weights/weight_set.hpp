#pragma once
// The named tensors of one component (unet, vae, text_encoder), keyed by their diffusers names
// whatever layout they were read from. Networks take what they need by name and shape; a
// checkpoint whose tensors do not match the config fails here, naming the tensor and both shapes.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

class WeightSet {
 public:
  WeightSet() = default;
  explicit WeightSet(std::string component) : component_(std::move(component)) {}

  const std::string& component() const { return component_; }
  void insert(std::string name, Tensor host);
  bool contains(std::string_view name) const;
  std::size_t size() const { return tensors_.size(); }
  std::vector<std::string> names() const;  // sorted

  // The host tensor `name`, which must have exactly `shape`. Marks it used.
  Result<Tensor> take(std::string_view name, const Shape& shape);
  // Fails, listing a few of them, if some tensors were never taken: the config does not describe
  // this checkpoint (or the network forgot a weight).
  Result<void> check_all_used() const;

 private:
  std::string component_;
  std::map<std::string, Tensor, std::less<>> tensors_;
  std::set<std::string, std::less<>> used_;
};

}  // namespace seedgrid
