#include "runtime/gateway/audit_slots.hpp"

#include <algorithm>

namespace seedgrid::gateway {

AuditSlots::AuditSlots(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

std::string AuditSlots::take(const std::string& user) {
  std::lock_guard lock(mutex_);
  if (running_.contains(user)) return "your previous audit is still running; retry when it ends";
  if (running_.size() >= capacity_)
    return "the gateway runs " + std::to_string(capacity_) +
           " audit(s) at once and all are busy; retry shortly";
  running_.insert(user);
  return {};
}

void AuditSlots::release(const std::string& user) {
  std::lock_guard lock(mutex_);
  running_.erase(user);
}

}  // namespace seedgrid::gateway
