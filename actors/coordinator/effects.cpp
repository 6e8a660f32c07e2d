#include "actors/coordinator/effects.hpp"

#include <algorithm>
#include <iterator>

namespace seedgrid::coordinator {

void Outbox::take(Outbox& other) {
  effects.insert(effects.end(), std::make_move_iterator(other.effects.begin()),
                 std::make_move_iterator(other.effects.end()));
  other.effects.clear();
}

void Outbox::sort_for_delivery() {
  std::stable_sort(effects.begin(), effects.end(),
                   [](const Effect& a, const Effect& b) { return a.index() < b.index(); });
}

}  // namespace seedgrid::coordinator
