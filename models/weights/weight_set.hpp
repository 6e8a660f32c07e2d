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
  // Where the tensors came from (a file or folder), named in error messages.
  const std::string& source() const { return source_; }
  void set_source(std::string source) { source_ = std::move(source); }
  // "unet (path/to/weights.safetensors)", or just the component: how errors name this set.
  std::string label() const;
  // Adds or replaces a host tensor.
  void insert(std::string name, Tensor host);
  bool contains(std::string_view name) const;
  std::size_t size() const { return tensors_.size(); }
  std::vector<std::string> names() const;  // sorted
  // The tensor `name` without marking it used (hashing, inspection); nullptr when absent.
  const Tensor* find(std::string_view name) const;

  // The host tensor `name`, which must have exactly `shape`. Marks it used.
  Result<Tensor> take(std::string_view name, const Shape& shape);
  // Fails, listing a few of them, if some tensors were never taken: the config does not describe
  // this checkpoint (or the network forgot a weight).
  Result<void> check_all_used() const;

 private:
  std::string component_;
  std::string source_;
  std::map<std::string, Tensor, std::less<>> tensors_;
  std::set<std::string, std::less<>> used_;
};

// Names for an error message: the first `shown` of them quoted, then "..." if there are more.
std::string quoted_names(const std::vector<std::string>& names, std::size_t shown = 6);

}  // namespace seedgrid
