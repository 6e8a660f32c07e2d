#include "models/weights/weight_set.hpp"

namespace seedgrid {

void WeightSet::insert(std::string name, Tensor host) {
  used_.erase(name);
  tensors_.insert_or_assign(std::move(name), std::move(host));
}

bool WeightSet::contains(std::string_view name) const { return tensors_.contains(name); }

std::vector<std::string> WeightSet::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [name, t] : tensors_) out.push_back(name);
  return out;
}

const Tensor* WeightSet::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::string quoted_names(const std::vector<std::string>& names, std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i)
    out += (i ? ", \"" : "\"") + names[i] + "\"";
  if (names.size() > shown) out += ", ...";
  return out;
}

std::string WeightSet::label() const {
  return source_.empty() ? component_ : component_ + " (" + source_ + ")";
}

Result<Tensor> WeightSet::take(std::string_view name, const Shape& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    return fail(label(), ": tensor \"", name, "\" is missing (the config expects shape ",
                shape_string(shape), ")");
  if (it->second.shape() != shape)
    return fail(label(), ": tensor \"", name, "\" has shape ", shape_string(it->second.shape()),
                ", but the config expects ", shape_string(shape));
  used_.insert(it->first);
  return it->second;
}

Result<void> WeightSet::check_all_used() const {
  std::vector<std::string> unused;
  for (const auto& [name, t] : tensors_)
    if (!used_.contains(name)) unused.push_back(name);
  if (unused.empty()) return {};
  return fail(label(), ": ", unused.size(), " of ", tensors_.size(),
              " tensors are not used by the network its config describes (the config does not "
              "match this checkpoint): ",
              quoted_names(unused));
}

}  // namespace seedgrid
