#include "runtime/gateway/scripted_rerun.hpp"

#include <caf/all.hpp>

#include <map>
#include <optional>

#include "actors/rendering/scripted_job.hpp"
#include "runtime/gateway/coordinator_fetch.hpp"

namespace seedgrid::gateway {

verify::ScriptedRerun scripted_rerun(caf::actor_system& system, const caf::actor* coordinator,
                                     config::Endpoint endpoint) {
  std::optional<caf::actor> local;
  if (coordinator) local = *coordinator;
  return [&system, local, endpoint](const Pipeline& pipeline, const protocol::JobSpec& spec)
             -> Result<verify::ScriptedRerender> {
    auto target = reach_coordinator(system, local ? &*local : nullptr, endpoint);
    if (!target) return pass_on(target);
    auto script = fetch_task_script(system, *target, spec.task_script);
    if (!script) return pass_on(script);
    std::map<std::string, RgbImage> images;
    for (const auto& named : rendering::images_named(*script, spec)) {
      auto image = fetch_input_image(system, *target, named.id);
      if (!image) return pass_on(image);
      // Not kept (a private request's images go with its prompt): the audit cannot run.
      if (*image) images.emplace(named.id, std::move(**image));
    }
    return rendering::rerender_scripted(*script, pipeline, spec, images,
                                        "the coordinator no longer keeps it");
  };
}

}  // namespace seedgrid::gateway
