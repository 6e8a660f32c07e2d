#include "actors/coordinator/model_catalog.hpp"

namespace seedgrid::coordinator {

void ModelCatalog::add(protocol::ModelEntry entry) {
  auto id = entry.model_id;
  models_[id] = std::move(entry);
}

const protocol::ModelEntry* ModelCatalog::find(const std::string& model_id) const {
  auto it = models_.find(model_id);
  return it == models_.end() ? nullptr : &it->second;
}

std::vector<protocol::ModelEntry> ModelCatalog::entries() const {
  std::vector<protocol::ModelEntry> out;
  for (const auto& [id, e] : models_) out.push_back(e);
  return out;
}

}  // namespace seedgrid::coordinator
