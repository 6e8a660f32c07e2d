#pragma once
// The dtype strings of the safetensors format and their element sizes.
#include <cstddef>
#include <optional>
#include <string_view>

#include "models/tensor/tensor.hpp"

namespace seedgrid {

std::string_view safetensors_dtype_name(DType t);  // "F32", "F16", "BF16"
// The loadable dtypes; nullopt for every other string.
std::optional<DType> dtype_from_safetensors(std::string_view name);
// Element size of any dtype the format defines (I64, U8, BOOL, F64, F8_E4M3, ...); nullopt for a
// string the format does not define.
std::optional<std::size_t> safetensors_element_size(std::string_view name);

}  // namespace seedgrid
