#pragma once
// What the gateway fetches from the coordinator by id, checked against the id as a worker checks
// it: a task script (its bytes hash to the id) and a request's input image (its size and pixels
// hash to the id). Blocking, with a bounded wait: for the threads of the re-audit and the quote.
#include <caf/fwd.hpp>

#include <optional>
#include <string>

#include "config/node_config.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::gateway {

// `local`: the coordinator actor of this process, or null to connect to `endpoint`.
Result<caf::actor> reach_coordinator(caf::actor_system& system, const caf::actor* local,
                                     const config::Endpoint& endpoint);

Result<task_script::TaskScript> fetch_task_script(caf::actor_system& system,
                                                  const caf::actor& coordinator,
                                                  const std::string& id);

// Nothing when the coordinator no longer keeps it (a private request's images go with its prompt).
Result<std::optional<RgbImage>> fetch_input_image(caf::actor_system& system,
                                                  const caf::actor& coordinator,
                                                  const std::string& id);

}  // namespace seedgrid::gateway
