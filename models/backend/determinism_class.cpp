#include "models/backend/determinism_class.hpp"

namespace seedgrid {

std::string gpu_determinism_class(std::string_view gpu_name, int major, int minor,
                                  std::string_view precision, std::string_view build_hash) {
  // '-' separates the fields, so the name keeps letters and digits and turns every run of
  // anything else into one '_'.
  std::string name;
  for (char c : gpu_name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      name.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (alnum) {
      name.push_back(c);
    } else if (!name.empty() && name.back() != '_') {
      name.push_back('_');
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.empty()) name = "unnamed";
  return "cuda-sm" + std::to_string(major) + std::to_string(minor) + "-" + name + "-" +
         std::string(precision) + "-" + std::string(build_hash);
}

}  // namespace seedgrid
