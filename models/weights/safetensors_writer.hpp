#pragma once
// Writes a .safetensors file: tensors in ascending name order, packed back to back (no gaps, as the
// reference implementation requires), the header padded with spaces to a multiple of 8 bytes so
// the data starts aligned. The file appears atomically (written to "<path>.partial", then renamed).
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

struct TensorSpec {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
};

using SafetensorsMetadata = std::vector<std::pair<std::string, std::string>>;

// Streams tensors to disk one at a time: `produce` is called once per spec, in name order, and must
// return a host tensor of exactly that dtype and shape (it is written and released before the next
// one is produced, so a model larger than memory can be written).
Result<void> write_safetensors(const std::string& path, std::vector<TensorSpec> specs,
                               const std::function<Result<Tensor>(const TensorSpec&)>& produce,
                               const SafetensorsMetadata& metadata = {});

// Writes tensors already in memory.
Result<void> write_safetensors(const std::string& path,
                               const std::map<std::string, Tensor>& tensors,
                               const SafetensorsMetadata& metadata = {});

}  // namespace seedgrid
