#include "runtime/gateway/scripted_rerun.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <optional>

#include "actors/rendering/scripted_job.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::gateway {
namespace {

constexpr std::chrono::seconds kAnswerTimeout{60};

// One request to the coordinator and its answer, or why there was none.
template <class Answer, class... Args>
Result<Answer> ask(caf::actor_system& system, const protocol::coordinator_actor& coordinator,
                   std::string_view what, Args... args) {
  caf::scoped_actor self{system};
  Result<Answer> out = fail("no answer from the coordinator for ", what);
  self->request(coordinator, kAnswerTimeout, args...)
      .receive([&](const Answer& answer) { out = answer; },
               [&](caf::error& err) {
                 out = fail("the coordinator did not send ", what, ": ", system.render(err));
               });
  return out;
}

}  // namespace

verify::ScriptedRerun scripted_rerun(caf::actor_system& system, const caf::actor* coordinator,
                                     config::Endpoint endpoint) {
  std::optional<caf::actor> local;
  if (coordinator) local = *coordinator;
  return [&system, local, endpoint](const Pipeline& pipeline, const protocol::JobSpec& spec)
             -> Result<verify::ScriptedRerender> {
    caf::actor target;
    if (local) {
      target = *local;
    } else {
      auto found = link::remote_actor(system, endpoint);
      if (!found) return fail(link::connect_failure(system, "coordinator", endpoint, found.error()));
      target = *found;
    }
    const auto to = caf::actor_cast<protocol::coordinator_actor>(target);
    const std::string id = spec.task_script;
    auto reply = ask<protocol::TaskScriptReply>(system, to, "task script " + id.substr(0, 12),
                                                protocol::script_atom::value, id);
    if (!reply) return pass_on(reply);
    if (!reply->outcome.ok())
      return fail("the coordinator has no task script ", id.substr(0, 12), ": ",
                  reply->outcome.reason);
    auto script = task_script::TaskScript::from_source(reply->source, reply->file_name);
    if (!script) return pass_on(script);
    if (script->id() != id)
      return fail("the task script sent for id ", id, " hashes to ", script->id());
    std::map<std::string, RgbImage> images;
    for (const auto& named : rendering::images_named(*script, spec)) {
      auto image = ask<protocol::InputImageReply>(system, to, "image " + named.id.substr(0, 12),
                                                  protocol::input_image_atom::value, named.id);
      if (!image) return pass_on(image);
      // Not kept (a private request's images go with its prompt): the audit cannot run.
      if (!image->outcome.ok()) continue;
      if (protocol::input_image_id(image->image) != named.id)
        return fail("the image sent for id ", named.id, " does not hash to it");
      images.emplace(named.id, std::move(image->image));
    }
    return rendering::rerender_scripted(*script, pipeline, spec, images,
                                        "the coordinator no longer keeps it");
  };
}

}  // namespace seedgrid::gateway
