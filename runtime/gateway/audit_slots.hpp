#pragma once
// POST /v1/audit re-renders on the gateway's own CPU: a few audits run at once, and each user has
// at most one of them, so one user's audits cannot keep everyone else's waiting.
#include <cstddef>
#include <mutex>
#include <set>
#include <string>

namespace seedgrid::gateway {

class AuditSlots {
 public:
  explicit AuditSlots(std::size_t capacity);

  // Empty when `user` may start an audit now (release it when it ends); otherwise why not, to
  // answer with 429.
  std::string take(const std::string& user);
  void release(const std::string& user);

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::set<std::string> running_;  // the users with an audit running
};

}  // namespace seedgrid::gateway
