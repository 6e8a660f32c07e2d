#include "actors/coordinator/result_checker.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <thread>

#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::coordinator {

namespace {

result_checker_actor::behavior_type checker() {
  return {
      [](integrity_atom, const PublicKey& sender, const CheckedResults& results) {
        return protocol::check_results_integrity(*results, sender);
      },
  };
}

}  // namespace

ResultCheckers ResultCheckers::spawn(caf::local_actor* owner, std::size_t max) {
  ResultCheckers c;
  const std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, max);
  for (std::size_t i = 0; i < n; ++i) {
    c.checkers_.push_back(owner->system().spawn(checker));
    owner->link_to(c.checkers_.back());
  }
  return c;
}

const result_checker_actor& ResultCheckers::next() {
  const result_checker_actor& c = checkers_[next_];
  next_ = (next_ + 1) % checkers_.size();
  return c;
}

}  // namespace seedgrid::coordinator
