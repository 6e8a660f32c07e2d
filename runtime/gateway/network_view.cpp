#include "runtime/gateway/network_view.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "runtime/base/client/coordinator_protocol.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::gateway {

NetworkView::NetworkView(caf::actor_system& system, const caf::actor* coordinator,
                         config::Endpoint endpoint, std::chrono::milliseconds interval,
                         OnReport on_report)
    : system_(system),
      coordinator_(coordinator ? std::make_unique<caf::actor>(*coordinator) : nullptr),
      endpoint_(std::move(endpoint)),
      interval_(interval),
      on_report_(std::move(on_report)) {
  thread_ = std::thread([this] { run(); });
}

NetworkView::~NetworkView() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

NetworkSnapshot NetworkView::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

bool NetworkView::fresh() const {
  std::lock_guard lock(mutex_);
  return snapshot_.report && snapshot_.error.empty() &&
         std::chrono::steady_clock::now() - snapshot_.at < 3 * interval_;
}

bool NetworkView::wait_ready(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return snapshot_.report.has_value(); });
}

void NetworkView::run() {
  caf::actor remote;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    std::optional<protocol::StatusReport> report;
    std::string error;
    caf::actor target = coordinator_ ? *coordinator_ : remote;
    if (!target) {
      // Connected and protocol-checked: one of another release would misread the status query.
      auto found = client::connect_coordinator(
          system_, endpoint_, std::max(interval_, std::chrono::milliseconds(2'000)), {},
          std::chrono::milliseconds(500));
      if (found) {
        remote = *found;
        target = remote;
      } else {
        error = found.error().message;
      }
    }
    if (target) {
      caf::scoped_actor self{system_};
      self->request(caf::actor_cast<protocol::coordinator_actor>(target),
                    std::max(interval_, std::chrono::milliseconds(2'000)),
                    protocol::status_atom::value)
          .receive([&](const protocol::StatusReport& r) { report = r; },
                   [&](caf::error& err) {
                     error = "the coordinator did not answer: " + system_.render(err);
                     if (!coordinator_) remote = nullptr;
                   });
    }
    if (report && on_report_) on_report_(*report);
    lock.lock();
    if (report) {
      snapshot_.report = std::move(report);
      snapshot_.at = std::chrono::steady_clock::now();
    }
    snapshot_.error = error;
    changed_.notify_all();
    changed_.wait_for(lock, interval_, [&] { return stopping_; });
  }
}

}  // namespace seedgrid::gateway
