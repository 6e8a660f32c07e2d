#pragma once
// Workers and validators get a task script the way they get nothing else: by its id, from their
// coordinator, when the first job (or audit) that needs it arrives. The bytes are checked against
// the id (Renderer::add_script); what waits for a script waits in a ScriptWaitlist, so a burst of
// jobs of one new script asks for it once.
#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/rendering/renderer.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::session {

// A script is a few kilobytes; the coordinator answers from memory.
inline constexpr std::chrono::seconds kScriptAnswerTimeout{30};

template <class Item>
class ScriptWaitlist {
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

}  // namespace seedgrid::session
