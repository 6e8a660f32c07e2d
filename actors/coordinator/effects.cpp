#include "actors/coordinator/effects.hpp"

namespace seedgrid::coordinator {

bool Outbox::empty() const { return size() == 0; }

std::size_t Outbox::size() const {
  return std::apply([](const auto&... lists) { return (lists.size() + ...); }, lists_);
}

void Outbox::clear() {
  std::apply([](auto&... lists) { (lists.clear(), ...); }, lists_);
}

}  // namespace seedgrid::coordinator
