#pragma once
// What one job of a scripted task type costs to render, quoted before any image is uploaded: the
// pixel steps its script's cost() declares for the parameters (an image parameter stands in by its
// size alone), plus each input image's pixels as one step, as the coordinator prices the request
// (actors/coordinator/task_admission.cpp). Each script is fetched from the coordinator by id once
// and kept, ahead of the first quote when the network view lists it (prefetch). Thread-safe.
#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/task_script/job_params.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::gateway {

struct TaskCostAsk {
  std::string script_id;
  // The request's fields and its NAME=VALUE parameters, image parameters left out.
  task_script::JobInputs inputs;
  std::map<std::string, std::pair<int, int>> images;  // image parameter -> width, height
};

// The script id of task type `name` as the coordinator last listed it, or an error listing the
// task types there are.
Result<std::string> task_script_id(const protocol::StatusReport& status, const std::string& name);

class TaskCosts {
 public:
  // `coordinator`: an actor of this process, or null to connect to `endpoint`.
  TaskCosts(caf::actor_system& system, const caf::actor* coordinator, config::Endpoint endpoint);
  ~TaskCosts();

  // Errors name the parameter or image that does not fit the script.
  Result<std::int64_t> pixel_steps(const TaskCostAsk& ask);
  // The same for a request as a client would submit it, its images carried (each once).
  Result<std::int64_t> pixel_steps(const std::string& script_id,
                                   const protocol::GenerateRequest& request);
  // Fetches the scripts of the task types `status` lists that are not kept yet, so no user's
  // quote waits for a fetch on an HTTP thread; one that fails is tried at the next report.
  void prefetch(const protocol::StatusReport& status);
  // How many scripts are kept (the gateway's metrics).
  std::size_t scripts_held();

 private:
  Result<std::shared_ptr<const task_script::TaskScript>> script(const std::string& id);
  Result<std::int64_t> work_of(const std::string& script_id, const task_script::JobInputs& inputs,
                               std::int64_t input_pixels);

  caf::actor_system& system_;
  std::unique_ptr<caf::actor> coordinator_;
  config::Endpoint endpoint_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const task_script::TaskScript>> scripts_;
  std::set<std::string> unfetched_;  // prefetches that failed, warned about once
};

}  // namespace seedgrid::gateway
