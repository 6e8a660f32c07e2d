#pragma once
// Workers and validators get a job's inputs the way they get nothing else: by id, from their
// coordinator, when the first job (or audit) that needs them arrives: its task script, then the
// images it names (protocol/input_image.hpp). Each is checked against its id (Renderer::add_script,
// Renderer::add_input_image); what waits for one waits in an InputWaitlist, so a burst of jobs of
// one new script or image asks for it once.
#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/rendering/renderer.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::session {

// A script is a few kilobytes, answered from memory; an image up to the network's largest size
// (4096 x 4096 RGB is 48 MiB), read from the journal.
inline constexpr std::chrono::seconds kScriptAnswerTimeout{30};
inline constexpr std::chrono::seconds kImageAnswerTimeout{120};

template <class Item>
class InputWaitlist {
 public:
  // True when `item` is the first to wait for `id`: the caller fetches it then.
  bool wait(const std::string& id, Item item) {
    auto& list = waiting_[id];
    list.push_back(std::move(item));
    return list.size() == 1;
  }
  std::vector<Item> take(const std::string& id) {
    auto node = waiting_.extract(id);
    return node ? std::move(node.mapped()) : std::vector<Item>{};
  }
  // Removes the first waiting item `matches` accepts; whether there was one.
  template <class Match>
  bool remove_if(Match matches) {
    for (auto& [id, list] : waiting_)
      for (auto it = list.begin(); it != list.end(); ++it)
        if (matches(*it)) {
          list.erase(it);
          return true;
        }
    return false;
  }
  std::vector<Item> take_all() {
    std::vector<Item> all;
    for (auto& [id, list] : waiting_)
      for (auto& item : list) all.push_back(std::move(item));
    waiting_.clear();
    return all;
  }

 private:
  std::map<std::string, std::vector<Item>> waiting_;
};

// Asks `coordinator` for script `id` and adds it to `renderer`; `done` gets the outcome (an
// error names the script and why: unknown at the coordinator, bytes that do not hash to the id,
// a script that does not load, no answer).
template <class Self>
void fetch_task_script(Self self, const protocol::coordinator_actor& coordinator,
                       std::shared_ptr<const rendering::Renderer> renderer, const std::string& id,
                       std::function<void(Result<void>)> done) {
  self->request(coordinator, kScriptAnswerTimeout, protocol::script_atom::value, id)
      .then(
          [renderer, id, done](const protocol::TaskScriptReply& reply) {
            if (!reply.outcome.ok())
              return done(fail("the coordinator has no task script ", id.substr(0, 12), ": ",
                               reply.outcome.reason));
            done(renderer->add_script(id, reply.file_name, reply.source));
          },
          [self, id, done](caf::error& err) {
            done(fail("task script ", id.substr(0, 12),
                      " did not arrive from the coordinator: ", self->system().render(err)));
          });
}

// Asks `coordinator` for input image `id` and adds it to `renderer`; `done` as above.
template <class Self>
void fetch_input_image(Self self, const protocol::coordinator_actor& coordinator,
                       std::shared_ptr<const rendering::Renderer> renderer, const std::string& id,
                       std::function<void(Result<void>)> done) {
  self->request(coordinator, kImageAnswerTimeout, protocol::input_image_atom::value, id)
      .then(
          [renderer, id, done](protocol::InputImageReply& reply) {
            if (!reply.outcome.ok())
              return done(fail("the coordinator has no image ", id.substr(0, 12), ": ",
                               reply.outcome.reason));
            done(renderer->add_input_image(id, std::move(reply.image)));
          },
          [self, id, done](caf::error& err) {
            done(fail("image ", id.substr(0, 12), " did not arrive from the coordinator: ",
                      self->system().render(err)));
          });
}

// What a job still needs from the coordinator before it can run, by id: its task script, then
// each image it names; none once it has everything (and for a built-in task type).
inline std::optional<std::string> missing_input(const rendering::Renderer& renderer,
                                                const protocol::JobSpec& spec) {
  if (!spec.scripted()) return std::nullopt;
  if (!renderer.has_script(spec.task_script)) return spec.task_script;
  auto images = renderer.missing_input_images(spec);
  if (!images.empty()) return images.front();
  return std::nullopt;
}

// Fetches `id`, what missing_input named for `spec`.
template <class Self>
void fetch_job_input(Self self, const protocol::coordinator_actor& coordinator,
                     std::shared_ptr<const rendering::Renderer> renderer,
                     const protocol::JobSpec& spec, const std::string& id,
                     std::function<void(Result<void>)> done) {
  if (id == spec.task_script)
    fetch_task_script(self, coordinator, std::move(renderer), id, std::move(done));
  else
    fetch_input_image(self, coordinator, std::move(renderer), id, std::move(done));
}

}  // namespace seedgrid::session
