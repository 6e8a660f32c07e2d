#include "actors/coordinator/task_catalog.hpp"

namespace seedgrid::coordinator {

Result<TaskCatalog> TaskCatalog::load(const std::vector<config::TaskTypeSource>& sources) {
  TaskCatalog catalog;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& source = sources[i];
    auto script = task_script::TaskScript::read_file(source.path);
    if (!script)
      return context(script.error(), "$.coordinator.task_types[", i, "] (", source.name, ")");
    catalog.by_name_[source.name] =
        std::make_shared<const task_script::TaskScript>(std::move(*script));
  }
  return catalog;
}

const task_script::TaskScript* TaskCatalog::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

const task_script::TaskScript* TaskCatalog::find_by_id(const std::string& script_id) const {
  for (const auto& [name, script] : by_name_)
    if (script->id() == script_id) return script.get();
  return nullptr;
}

std::vector<protocol::TaskTypeEntry> TaskCatalog::entries() const {
  std::vector<protocol::TaskTypeEntry> out;
  for (const auto& [name, script] : by_name_)
    out.push_back({name, script->id(), script->schema().description});
  return out;
}

std::string TaskCatalog::names() const {
  std::string out;
  for (const auto& [name, script] : by_name_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace seedgrid::coordinator
