#include "bench/dispatch/hand_overs.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/link/tls_transport.hpp"

namespace seedgrid::bench {
namespace {

using Clock = std::chrono::steady_clock;
// The first round trips also set up what later ones reuse (a connection's buffers, a thread's
// first wake-up): they are left out.
constexpr int kWarmUp = 20;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Two threads taking turns on one condition variable; the one-way times.
std::vector<double> thread_ping_pong(int round_trips) {
  std::mutex m;
  std::condition_variable cv;
  bool theirs = false;
  std::thread other([&] {
    for (int i = 0; i < round_trips; ++i) {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return theirs; });
      theirs = false;
      cv.notify_all();
    }
  });
  std::vector<double> one_way;
  for (int i = 0; i < round_trips; ++i) {
    const auto start = Clock::now();
    std::unique_lock lock(m);
    theirs = true;
    cv.notify_all();
    cv.wait(lock, [&] { return !theirs; });
    one_way.push_back(micros(Clock::now() - start) / 2);
  }
  other.join();
  return one_way;
}

// Answers each message with its bytes.
caf::behavior echo() {
  return {[](const std::string& bytes) { return bytes; }};
}

struct Pinger {
  caf::actor peer;
  std::string bytes;
  int left = 0;
  Clock::time_point sent;
  std::vector<double> one_way;
  std::shared_ptr<std::promise<std::vector<double>>> done;
};

// Sends `bytes` to `peer`, waits for its echo, sends again, `round_trips` times; hands the
// one-way times to `done`.
caf::behavior pinger(caf::stateful_actor<Pinger>* self, caf::actor peer, std::size_t bytes,
                     int round_trips, std::shared_ptr<std::promise<std::vector<double>>> done) {
  self->state.peer = std::move(peer);
  self->state.bytes.assign(bytes, 'x');
  self->state.left = round_trips;
  self->state.done = std::move(done);
  self->state.sent = Clock::now();
  self->send(self->state.peer, self->state.bytes);
  return {[self](const std::string&) {
    Pinger& s = self->state;
    s.one_way.push_back(micros(Clock::now() - s.sent) / 2);
    if (--s.left == 0) {
      s.done->set_value(std::move(s.one_way));
      self->quit();
      return;
    }
    s.sent = Clock::now();
    self->send(s.peer, s.bytes);
  }};
}

// A small message, as a job's or a result's without pixels.
constexpr std::size_t kSmall = 64;

std::vector<double> actor_ping_pong(caf::actor_system& system, const caf::actor& peer,
                                    int round_trips, std::size_t bytes = kSmall) {
  auto done = std::make_shared<std::promise<std::vector<double>>>();
  auto result = done->get_future();
  system.spawn(pinger, peer, bytes, round_trips, done);
  if (result.wait_for(std::chrono::minutes(1)) != std::future_status::ready) return {};
  return result.get();
}

void print_row(const char* what, std::vector<double> one_way) {
  if (static_cast<int>(one_way.size()) <= kWarmUp) {
    std::printf("| %s | did not complete | |\n", what);
    return;
  }
  one_way.erase(one_way.begin(), one_way.begin() + kWarmUp);
  std::sort(one_way.begin(), one_way.end());
  std::printf("| %s | %.1f | %.1f |\n", what, one_way[one_way.size() / 2],
              one_way[one_way.size() * 9 / 10]);
}

}  // namespace

void print_hand_overs(const config::NetworkSection& network, int round_trips) {
  // An image's round trips take a millisecond or more here: a tenth as many.
  const int image_round_trips = std::max(1, round_trips / 10);
  std::printf(
      "one hand-over on this machine (half a round trip; %d round trips, the image's %d):\n\n",
      round_trips, image_round_trips);
  round_trips += kWarmUp;
  std::printf("| between | one way us (median) | one way us (p90) |\n| --- | --- | --- |\n");
  print_row("two threads, a condition variable", thread_ping_pong(round_trips));
  {
    client::ClientSystem one(network);
    const caf::actor peer = one.get().spawn(echo);
    print_row("two actors on the scheduler's threads",
              actor_ping_pong(one.get(), peer, round_trips));
    // The treasury and a worker's render loop are detached: a message to either wakes its thread.
    const caf::actor detached = one.get().spawn<caf::detached>(echo);
    print_row("an actor and a detached actor (a thread of its own)",
              actor_ping_pong(one.get(), detached, round_trips));
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(detached, caf::exit_reason::user_shutdown);
  }
  client::ClientSystem server(network), client(network);
  const caf::actor published = server.get().spawn(echo);
  const std::string over =
      std::string("two actor systems over 127.0.0.1 (") + (network.insecure ? "TCP" : "TLS") + ")";
  auto port = link::publish_actor(server.get(), published, config::Endpoint{"127.0.0.1", 0});
  auto remote = port ? link::remote_actor(client.get(), config::Endpoint{"127.0.0.1", *port})
                     : caf::expected<caf::actor>{port.error()};
  if (!remote) {
    std::printf("| %s | no link: %s | |\n", over.c_str(), caf::to_string(remote.error()).c_str());
  } else {
    print_row(over.c_str(), actor_ping_pong(client.get(), *remote, round_trips));
    // What relaying a real result's pixels adds to a hop (docs/coordinator-speed.md, "Images").
    print_row((over + ", 768 KiB (a 512 x 512 image)").c_str(),
              actor_ping_pong(client.get(), *remote, image_round_trips + kWarmUp, 512 * 512 * 3));
  }
  caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace seedgrid::bench
