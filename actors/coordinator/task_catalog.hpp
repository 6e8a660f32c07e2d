#pragma once
// The task types a coordinator serves by script (coordinator.task_types in the node config): each
// loaded and checked when the coordinator starts (a bad script refuses the start, naming the file
// and line), found by the name requests use and by its id (the SHA-256 of its bytes, which is what
// a job names and a worker fetches). Sorted by name.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::coordinator {

class TaskCatalog {
 public:
  // Reads and checks every script; the first error names its config entry and the script's
  // file and line.
  static Result<TaskCatalog> load(const std::vector<config::TaskTypeSource>& sources);

  // Null when no task type of that name / id is registered.
  const task_script::TaskScript* find(const std::string& name) const;
  const task_script::TaskScript* find_by_id(const std::string& script_id) const;
  std::vector<protocol::TaskTypeEntry> entries() const;
  bool empty() const { return by_name_.empty(); }
  // "hires_fix, variation": for messages that list what is served.
  std::string names() const;

 private:
  // Shared: a CoreOptions is copied, the scripts are not.
  std::map<std::string, std::shared_ptr<const task_script::TaskScript>> by_name_;
};

}  // namespace seedgrid::coordinator
