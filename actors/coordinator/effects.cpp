#include "actors/coordinator/effects.hpp"

namespace seedgrid::coordinator {

bool Outbox::empty() const { return size() == 0; }

std::size_t Outbox::size() const {
  return std::apply([](const auto&... lists) { return (lists.size() + ...); }, lists_);
}

void Outbox::clear() {
  std::apply([](auto&... lists) { (lists.clear(), ...); }, lists_);
}

std::size_t Outbox::room_bytes() const {
  return std::apply(
      [](const auto&... lists) {
        return ((lists.capacity() * sizeof(typename std::decay_t<decltype(lists)>::value_type)) +
                ...);
      },
      lists_);
}

}  // namespace seedgrid::coordinator
