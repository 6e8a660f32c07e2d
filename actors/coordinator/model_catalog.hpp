#pragma once
// The models a coordinator accepts requests for, with what the treasury needs to price them
// (base render time), whom to pay royalties (creator account) and what each model can render
// (models/pipeline/render_limits.hpp: the same definition a worker's pipeline checks, so a request
// is refused at submit exactly when every worker would fail it). Sorted by model id.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/pipeline/render_limits.hpp"
#include "runtime/base/protocol/status.hpp"

namespace seedgrid::coordinator {

class ModelCatalog {
 public:
  void add(protocol::ModelEntry entry, RenderLimits limits);
  const protocol::ModelEntry* find(const std::string& model_id) const;
  // What the model renders; null when the model is not in the catalog.
  const RenderLimits* limits(const std::string& model_id) const;
  std::vector<protocol::ModelEntry> entries() const;
  bool empty() const { return models_.empty(); }

 private:
  struct Model {
    protocol::ModelEntry entry;
    RenderLimits limits;
  };
  std::map<std::string, Model> models_;
};

}  // namespace seedgrid::coordinator
