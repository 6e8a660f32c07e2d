#pragma once
// Whether a worker contests a failed verdict on one of its results: only when its config says so
// (worker.appeal_failed_audits), only a fail (a grey verdict is escalated by the coordinator, not
// appealed), and once per audit, however often the coordinator tells it the verdict (it repeats
// the notice at every registration inside the appeal window).
#include <optional>
#include <set>
#include <string>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"

namespace seedgrid::worker {

class AppealPolicy {
 public:
  explicit AppealPolicy(bool appeal_failed_audits) : enabled_(appeal_failed_audits) {}

  // The signed appeal to send for `verdict`, or nothing.
  std::optional<protocol::Appeal> appeal(const protocol::Verdict& verdict,
                                         const Identity& identity);

 private:
  bool enabled_;
  std::set<std::string> appealed_;  // audit ids
};

}  // namespace seedgrid::worker
