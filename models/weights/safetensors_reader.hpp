#pragma once
// Reads a .safetensors file (8-byte little-endian header length, a JSON header, then the raw
// tensor data). The file is memory-mapped and every tensor is a zero-copy host view of the mapping
// that keeps it alive, until a backend uploads (and converts) it.
//
// The header is validated before anything is returned: its length fits the file and is at most
// 100 MB; it is a JSON object; `__metadata__`, if present, maps strings to strings; every other
// member is a tensor entry with exactly "dtype", "shape" and "data_offsets"; the shape is a list of
// non-negative integers; the offsets [begin, end] lie within the data section and span exactly
// numel * element size bytes; no two tensors overlap. Gaps between tensors are allowed. Every error
// names the file and, where there is one, the tensor.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as in the file: "F32", "F16", "BF16", "I64", ...
  Shape shape;
  std::uint64_t data_begin = 0;  // byte offsets into the data section
  std::uint64_t data_end = 0;
  // A host view of the bytes (F32, F16 and BF16 entries); undefined for a skipped entry.
  Tensor tensor;
};

struct SafetensorsFile {
  std::string path;
  std::vector<std::pair<std::string, std::string>> metadata;  // __metadata__, in file order
  std::vector<SafetensorsEntry> entries;                      // sorted by name

  const SafetensorsEntry* find(std::string_view name) const;
};

struct SafetensorsReadOptions {
  // seedgrid computes in F32, F16 and BF16 only. An entry of another dtype is an error naming the
  // tensor and dtype, unless this returns true for its name: then it is validated and kept with
  // an undefined tensor (real checkpoints carry int64 position_ids and training counters).
  std::function<bool(std::string_view name)> skip_other_dtypes;
};

Result<SafetensorsFile> read_safetensors(const std::string& path,
                                         const SafetensorsReadOptions& options = {});

}  // namespace seedgrid
