#pragma once
// The models a coordinator accepts requests for, with what the treasury needs to price them
// (base render time) and whom to pay royalties (creator account). Sorted by model id.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/protocol/status.hpp"

namespace seedgrid::coordinator {

class ModelCatalog {
 public:
  void add(protocol::ModelEntry entry);
  const protocol::ModelEntry* find(const std::string& model_id) const;
  std::vector<protocol::ModelEntry> entries() const;
  bool empty() const { return models_.empty(); }

 private:
  std::map<std::string, protocol::ModelEntry> models_;
};

}  // namespace seedgrid::coordinator
