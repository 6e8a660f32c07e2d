#include "actors/coordinator/model_catalog.hpp"

namespace seedgrid::coordinator {

void ModelCatalog::add(protocol::ModelEntry entry, RenderLimits limits) {
  entry.size_multiple = static_cast<std::uint32_t>(limits.size_multiple);
  auto id = entry.model_id;
  models_[id] = Model{std::move(entry), limits};
}

const protocol::ModelEntry* ModelCatalog::find(const std::string& model_id) const {
  auto it = models_.find(model_id);
  return it == models_.end() ? nullptr : &it->second.entry;
}

const RenderLimits* ModelCatalog::limits(const std::string& model_id) const {
  auto it = models_.find(model_id);
  return it == models_.end() ? nullptr : &it->second.limits;
}

std::vector<protocol::ModelEntry> ModelCatalog::entries() const {
  std::vector<protocol::ModelEntry> out;
  for (const auto& [id, m] : models_) out.push_back(m.entry);
  return out;
}

}  // namespace seedgrid::coordinator
