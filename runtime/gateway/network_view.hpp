#pragma once
// The coordinator's status report as the gateway last saw it: asked again every `interval` on a
// thread of its own, so models, workers, heartbeat, readiness and metrics cost a request nothing.
#include <caf/fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "config/node_config.hpp"
#include "runtime/base/protocol/status.hpp"

namespace seedgrid::gateway {

struct NetworkSnapshot {
  std::optional<protocol::StatusReport> report;  // nothing until the first answer
  std::chrono::steady_clock::time_point at{};
  std::string error;  // why the last ask failed; empty when it worked
};

class NetworkView {
 public:
  // `coordinator`: an actor of this process, or null to reach `endpoint`. `on_report` runs on the
  // view's thread with each answer, for work that should not wait for a user's request.
  using OnReport = std::function<void(const protocol::StatusReport&)>;
  NetworkView(caf::actor_system& system, const caf::actor* coordinator, config::Endpoint endpoint,
              std::chrono::milliseconds interval, OnReport on_report = {});
  ~NetworkView();

  NetworkSnapshot snapshot() const;
  // True when the last answer is at most three intervals old.
  bool fresh() const;
  // Blocks until the first answer or `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout) const;

 private:
  void run();

  caf::actor_system& system_;
  std::unique_ptr<caf::actor> coordinator_;
  config::Endpoint endpoint_;
  std::chrono::milliseconds interval_;
  OnReport on_report_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  NetworkSnapshot snapshot_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace seedgrid::gateway
