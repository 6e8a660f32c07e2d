#include "actors/coordinator/effects.hpp"

#include <iterator>

namespace seedgrid::coordinator {

void Outbox::take(Outbox& other) {
  auto append = [](auto& mine, auto& theirs) {
    if (mine.empty()) {  // the first call of a commit's group: no element moved
      mine.swap(theirs);
      return;
    }
    mine.insert(mine.end(), std::make_move_iterator(theirs.begin()),
                std::make_move_iterator(theirs.end()));
    theirs.clear();
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (append(std::get<I>(lists_), std::get<I>(other.lists_)), ...);
  }
  (std::make_index_sequence<std::tuple_size_v<decltype(lists_)>>());
}

bool Outbox::empty() const { return size() == 0; }

std::size_t Outbox::size() const {
  return std::apply([](const auto&... lists) { return (lists.size() + ...); }, lists_);
}

void Outbox::clear() {
  std::apply([](auto&... lists) { (lists.clear(), ...); }, lists_);
}

}  // namespace seedgrid::coordinator
