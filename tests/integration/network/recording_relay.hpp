#pragma once
// A TCP relay that records every byte it carries: a test puts it between two nodes (the client
// connects to the relay, which connects to the real address) and then reads what crossed the wire.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/node_config.hpp"

namespace seedgrid::testing {

class RecordingRelay {
 public:
  explicit RecordingRelay(config::Endpoint target);
  ~RecordingRelay();
  RecordingRelay(const RecordingRelay&) = delete;
  RecordingRelay& operator=(const RecordingRelay&) = delete;

  config::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  // Every byte relayed so far, both directions, in arrival order.
  std::string recorded() const;

 private:
  void accept_loop();
  void relay(int client, int server);

  config::Endpoint target_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::string recorded_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A plain TCP connection to `e` (no TLS); -1 when it is refused.
int connect_to(const config::Endpoint& e);

}  // namespace seedgrid::testing
