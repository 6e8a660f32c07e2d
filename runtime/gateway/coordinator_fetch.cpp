#include "runtime/gateway/coordinator_fetch.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "runtime/base/client/coordinator_protocol.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::gateway {
namespace {

constexpr std::chrono::seconds kAnswerTimeout{60};

// One request to the coordinator and its answer, or why there was none.
template <class Answer, class... Args>
Result<Answer> ask(caf::actor_system& system, const caf::actor& coordinator, std::string_view what,
                   Args... args) {
  caf::scoped_actor self{system};
  Result<Answer> out = fail("no answer from the coordinator for ", what);
  self->request(caf::actor_cast<protocol::coordinator_actor>(coordinator), kAnswerTimeout, args...)
      .receive([&](const Answer& answer) { out = answer; },
               [&](caf::error& err) {
                 out = fail("the coordinator did not send ", what, ": ", system.render(err));
               });
  return out;
}

}  // namespace

Result<caf::actor> reach_coordinator(caf::actor_system& system, const caf::actor* local,
                                     const config::Endpoint& endpoint) {
  if (local) return *local;
  return client::connect_coordinator(system, endpoint, kAnswerTimeout);
}

Result<task_script::TaskScript> fetch_task_script(caf::actor_system& system,
                                                  const caf::actor& coordinator,
                                                  const std::string& id) {
  auto reply = ask<protocol::TaskScriptReply>(
      system, coordinator, "task script " + id.substr(0, 12), protocol::script_atom::value, id);
  if (!reply) return pass_on(reply);
  if (!reply->outcome.ok())
    return fail("the coordinator has no task script ", id.substr(0, 12), ": ",
                reply->outcome.reason);
  return task_script::TaskScript::fetched(id, reply->source, reply->file_name);
}

Result<std::optional<RgbImage>> fetch_input_image(caf::actor_system& system,
                                                  const caf::actor& coordinator,
                                                  const std::string& id) {
  auto image = ask<protocol::InputImageReply>(system, coordinator, "image " + id.substr(0, 12),
                                              protocol::input_image_atom::value, id);
  if (!image) return pass_on(image);
  if (!image->outcome.ok()) return std::optional<RgbImage>();
  if (protocol::input_image_id(image->image) != id)
    return fail("the image sent for id ", id, " does not hash to it");
  return std::optional<RgbImage>(std::move(image->image));
}

}  // namespace seedgrid::gateway
