// bench/dispatch: how fast one coordinator routes, and what the network and actors add per job.
//
//   dispatch_bench [--data DIR] [--requests R] [--jobs J] [--samples S] [--size N] [--insecure]
//                  [--wire-only | --workers W] [--postgres URI]
//
// 1. Dispatch throughput: a coordinator, its treasury and 1, 10 or 100 in-process workers (one
//    actor and one render thread each) serve R concurrent requests of J jobs of the instant task
//    type (no rendering): requests and jobs completed per second, with everything a real job costs
//    around the render — escrow hold, routing, signed results, the journal, settlement and release.
//    The instant task's images are N x N (default 64; 512 is what a real render delivers).
//    The coordinator's journal and the ledger live in DIR (default: a temporary directory on the
//    same disk as /tmp; pass --data /dev/shm/... to take fsync out of the picture). After each
//    run, how many ledger entries the settled jobs took (a hold's settlements share one).
// 2. What one hand-over between threads, actors and actor systems costs on this machine
//    (hand_overs.hpp), the floor under what follows. Then the end-to-end overhead of one image:
//    S sequential one-image requests (tiny model, 64x64, 8 steps; then the instant task), the time
//    from submit to the result event against the render time the worker reports. First with
//    client, coordinator+treasury and worker in one actor system (messages in memory), then each
//    its own actor system over 127.0.0.1 TCP: the difference is what the links cost, and on a
//    machine with fewer cores than nodes, the wait for a core (bench/RESULTS.md, session 42).
// 3. Dispatch throughput over loopback: as 1, but each worker is a node of its own and the client
//    its own actor system, so every job and result crosses 127.0.0.1 (TLS unless --insecure, which
//    runs every link on plain TCP to measure what TLS costs). --wire-only runs 2 and 3 alone.
// --workers W runs 1 alone with W workers (a profile of one configuration).
// --postgres URI keeps the ledger and the journal on that PostgreSQL server (a schema each, made
// afresh for every run) instead of SQLite files in DIR; the pixels stay in DIR's image files.
#include <caf/all.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "actors/rendering/renderer.hpp"
#include "actors/worker/worker_actor.hpp"
#include "bench/common/bench_network.hpp"
#include "bench/dispatch/hand_overs.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/image/image_heap.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/node/node.hpp"

namespace fs = std::filesystem;
using namespace seedgrid;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  fs::path data;
  std::uint32_t requests = 20;
  std::uint32_t jobs = 50;
  int samples = 20;
  bool insecure = false;
  bool wire_only = false;
  int workers = 0;          // > 0: part 1 alone, with this many workers
  std::uint32_t size = 64;  // the instant task's images, size x size
  std::string postgres;     // a server URI: the ledger and journal live there
  config::NetworkSection network() const {
    config::NetworkSection n;
    n.insecure = insecure;
    return n;
  }
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "dispatch_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

using Model = bench::BenchModel;

// Where a run's coordinator keeps its ledger and journal: files in `dir`, or fresh schemas on
// --postgres's server.
bench::Stores stores_of(const Options& o, const fs::path& dir) {
  if (o.postgres.empty()) return bench::stores_in(dir);
  return must(bench::postgres_stores(o.postgres, "dispatch_bench"), "the PostgreSQL schemas");
}

// A coordinator+treasury node in `dir` (its stores in `stores`) with the client funded.
std::unique_ptr<node::Node> coordinator_node(const fs::path& dir, const Model& model,
                                             const Identity& client, std::uint16_t port,
                                             const bench::Stores& stores,
                                             const config::NetworkSection& network = {}) {
  return must(bench::funded_coordinator_node(dir, model, client, port, network, nullptr, stores),
              "the coordinator node");
}

bool wait_for_workers(caf::actor_system& sys, const protocol::coordinator_actor& coordinator,
                      std::size_t n) {
  caf::scoped_actor self{sys};
  for (int i = 0; i < 600; ++i) {
    std::size_t up = 0;
    self->request(coordinator, std::chrono::seconds(5), protocol::status_atom::value)
        .receive(
            [&](const protocol::StatusReport& r) {
              for (const auto& node : r.nodes) up += node.connected;
            },
            [](caf::error&) {});
    if (up >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// `seed`: image i renders with seed + i. Each request of a run gets its own seeds, so every job's
// pixels differ and the coordinator stores one file per result, as it does for real images.
protocol::GenerateRequest request(const std::string& id, const Model& model, std::uint32_t count,
                                  std::string_view task, std::uint32_t steps,
                                  const Identity& client, std::uint64_t seed = 0,
                                  std::uint32_t size = 64) {
  protocol::GenerateRequest r;
  r.request_id = id;
  r.seed = seed;
  r.model_id = model.id;
  r.task_type = std::string(task);
  r.prompt = "benchmark";
  r.steps = steps;
  r.width = size;
  r.height = size;
  r.count = count;
  protocol::sign_request(r, client);
  return r;
}

// Submits o.requests requests of o.jobs instant jobs at once (to `coordinator` in this process, or
// to `endpoint`), waits for all, and prints the table row: workers, requests x jobs, seconds,
// requests/s, jobs/s.
void timed_requests(const Options& o, const Model& model, const Identity& client, int workers,
                    caf::actor_system& system, const caf::actor* coordinator,
                    const config::Endpoint& endpoint, const config::NetworkSection& network,
                    const std::string& id_prefix) {
  std::vector<std::unique_ptr<client::GenerateSession>> sessions;
  const auto start = Clock::now();
  for (std::uint32_t r = 0; r < o.requests; ++r)
    sessions.push_back(std::make_unique<client::GenerateSession>(
        system, coordinator, endpoint, network,
        request(id_prefix + std::to_string(r), model, o.jobs, protocol::kTaskInstant, 4, client,
                std::uint64_t{r} * o.jobs, o.size),
        std::make_shared<const Identity>(client), client::SessionCallbacks{}));
  std::uint64_t delivered = 0;
  for (auto& s : sessions) {
    auto outcome = s->wait(std::chrono::minutes(10));
    if (!outcome || !outcome->reply.ok())
      die(coordinator ? "a dispatch request did not complete"
                      : "a dispatch request over loopback did not complete");
    delivered += outcome->completed.delivered;
  }
  const double t = seconds_since(start);
  sessions.clear();
  std::printf("| %3d | %4u x %3u | %8.2f | %9.1f | %9.1f |\n", workers, o.requests, o.jobs, t,
              o.requests / t, delivered / t);
  std::fflush(stdout);
}

// How many journal entries the treasury wrote for the jobs it settled (outside the timing): a
// batch's settlements of one hold share an entry (actors/treasury/settle_group.hpp), so this says
// how well the commits that reach the treasury together group.
void print_ledger_entries(const std::string& ledger) {
  auto db = must(storage::Database::open(ledger, {.read_only = true}), "the ledger");
  auto count = [&](const char* sql) {
    auto q = must(db.prepare(sql), "a count of the ledger");
    return must(q.step(), "a count of the ledger") ? q.column_int64(0) : std::int64_t{0};
  };
  const std::int64_t jobs = count("SELECT COUNT(*) FROM hold_jobs WHERE outcome = 'settled'");
  const std::int64_t lone = count("SELECT COUNT(*) FROM journal WHERE op = 'settle'");
  const std::int64_t groups = count("SELECT COUNT(*) FROM journal WHERE op = 'settle_jobs'");
  std::printf("      ledger: %lld jobs settled in %lld entries (%lld of them groups)\n",
              static_cast<long long>(jobs), static_cast<long long>(lone + groups),
              static_cast<long long>(groups));
  std::fflush(stdout);
}

// Spawns a worker actor with its own key in `node`'s actor system, rendering with `renderer`.
protocol::worker_actor in_process_worker(node::Node& node,
                                         const protocol::coordinator_actor& coordinator,
                                         std::shared_ptr<const rendering::Renderer> renderer,
                                         int i) {
  worker::WorkerSetup setup;
  setup.section.max_batch = 8;
  setup.section.max_inflight = 8;
  setup.section.benchmark_tasks = true;
  setup.identity = std::make_shared<const Identity>(Identity::generate());
  setup.renderer = std::move(renderer);
  setup.pixel_steps_per_second = 1'000'000;
  setup.name = "bench-" + std::to_string(i);
  return worker::spawn_worker(node.system(), std::move(setup), &coordinator);
}

std::shared_ptr<const rendering::Renderer> bench_renderer(const Model& model) {
  config::RenderingSection rendering;
  rendering.models.push_back({model.path, ""});
  rendering.threads = 1;
  return must(rendering::Renderer::load(rendering, true), "loading the model");
}

void dispatch(const Options& o, const Model& model, int workers) {
  const fs::path dir = o.data / ("dispatch-" + std::to_string(workers));
  const Identity client = Identity::generate();
  const bench::Stores stores = stores_of(o, dir);
  auto node = coordinator_node(dir, model, client, 0, stores);
  const protocol::coordinator_actor coordinator = *node->coordinator();
  const auto renderer = bench_renderer(model);
  std::vector<protocol::worker_actor> worker_actors;
  for (int i = 0; i < workers; ++i)
    worker_actors.push_back(in_process_worker(*node, coordinator, renderer, i));
  if (!wait_for_workers(node->system(), coordinator, static_cast<std::size_t>(workers)))
    die("workers did not register");

  // A client session speaks to a dynamically typed handle, as it does to one found over the wire.
  const auto as_client_sees_it = caf::actor_cast<caf::actor>(coordinator);
  timed_requests(o, model, client, workers, node->system(), &as_client_sees_it, config::Endpoint{},
                 config::NetworkSection{}, "d");
  for (auto& w : worker_actors) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  node->stop();
  print_ledger_entries(stores.ledger);
}

// S sequential one-image requests, from submit to the result event, against the render time the
// worker reports; prints the table row. `over_loopback`: a client, a coordinator+treasury node
// and a worker node, each its own actor system over 127.0.0.1; otherwise all three in one actor
// system, messages passed in memory, so the difference is what the links cost.
void one_image(const Options& o, const Model& model, std::string_view task, std::uint32_t steps,
               bool over_loopback) {
  const fs::path dir =
      o.data / (std::string(over_loopback ? "loopback-" : "in-process-") + std::string(task));
  const Identity client = Identity::generate();
  std::unique_ptr<node::Node> coordinator;
  std::unique_ptr<node::Node> worker_node;
  std::optional<protocol::worker_actor> worker;
  std::optional<client::ClientSystem> client_system;
  std::uint16_t port = 0;
  if (over_loopback) {
    coordinator = coordinator_node(dir, model, client, 0, stores_of(o, dir), o.network());
    port = coordinator->coordinator_port();
    worker_node =
        must(bench::worker_node(dir / "worker.key", model, port, o.network()), "the worker node");
    client_system.emplace(o.network(), std::make_shared<const Identity>(client));
  } else {
    coordinator = coordinator_node(dir, model, client, 0, stores_of(o, dir));
    worker = in_process_worker(*coordinator, *coordinator->coordinator(), bench_renderer(model), 0);
  }
  if (!wait_for_workers(coordinator->system(), *coordinator->coordinator(), 1))
    die(over_loopback ? "the worker did not register over loopback"
                      : "the worker did not register");
  const auto as_client_sees_it = caf::actor_cast<caf::actor>(*coordinator->coordinator());

  std::vector<double> total_ms, render_ms;
  for (int i = 0; i < o.samples + 2; ++i) {
    Clock::time_point delivered_at;
    std::uint64_t render = 0;
    client::SessionCallbacks callbacks;
    callbacks.on_event = [&](const protocol::ClientEvent& e) {
      if (e.kind != protocol::EventKind::result) return;
      delivered_at = Clock::now();
      render = e.render_ms;
    };
    std::string id = "l";
    id += std::to_string(i);
    const auto r = request(id, model, 1, task, steps, client, static_cast<std::uint64_t>(i),
                           task == protocol::kTaskInstant ? o.size : 64);
    const auto start = Clock::now();
    std::optional<client::GenerateSession> session;
    if (over_loopback)
      session.emplace(client_system->get(), nullptr, config::Endpoint{"127.0.0.1", port},
                      config::NetworkSection{}, r, std::make_shared<const Identity>(client),
                      callbacks);
    else
      session.emplace(coordinator->system(), &as_client_sees_it, config::Endpoint{},
                      config::NetworkSection{}, r, std::make_shared<const Identity>(client),
                      callbacks);
    auto outcome = session->wait(std::chrono::minutes(2));
    if (!outcome || !outcome->reply.ok()) die("a one-image request did not complete");
    if (i < 2) continue;  // the first requests also set up the connections
    total_ms.push_back(std::chrono::duration<double, std::milli>(delivered_at - start).count());
    render_ms.push_back(static_cast<double>(render));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto p90 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() * 9 / 10];
  };
  std::vector<double> overhead;
  for (std::size_t i = 0; i < total_ms.size(); ++i) overhead.push_back(total_ms[i] - render_ms[i]);
  std::printf("| %-7s | %-10s | %5u | %9.1f | %9.1f | %11.2f | %11.2f |\n",
              std::string(task).c_str(), over_loopback ? "loopback" : "in process", steps,
              median(total_ms), median(render_ms), median(overhead), p90(overhead));
  std::fflush(stdout);
  if (worker) caf::anon_send_exit(*worker, caf::exit_reason::user_shutdown);
  if (worker_node) worker_node->stop();
  coordinator->stop();
}

void dispatch_over_loopback(const Options& o, const Model& model, int workers) {
  const fs::path dir = o.data / ("wire-dispatch-" + std::to_string(workers));
  const Identity client = Identity::generate();
  auto coordinator = coordinator_node(dir, model, client, 0, stores_of(o, dir), o.network());
  // One node per worker: a registration must be signed by the key of the link it arrives on, so
  // workers with keys of their own cannot share one node's link.
  std::vector<std::unique_ptr<node::Node>> worker_nodes;
  for (int i = 0; i < workers; ++i) {
    worker_nodes.push_back(
        must(bench::worker_node(dir / ("worker-" + std::to_string(i) + ".key"), model,
                                coordinator->coordinator_port(), o.network(), 8, 8),
             "a worker node"));
  }
  if (!wait_for_workers(coordinator->system(), *coordinator->coordinator(),
                        static_cast<std::size_t>(workers)))
    die("the workers did not register over loopback");
  client::ClientSystem client_system(o.network(), std::make_shared<const Identity>(client));
  const config::Endpoint endpoint{"127.0.0.1", coordinator->coordinator_port()};
  timed_requests(o, model, client, workers, client_system.get(), nullptr, endpoint, o.network(),
                 "w");
  for (auto& w : worker_nodes) w->stop();
  coordinator->stop();
}

}  // namespace

// A positive whole number for `option`, or a message naming what was given.
unsigned count_of(const char* option, const char* text) {
  unsigned value = 0;
  const char* end = text + std::strlen(text);
  const auto [rest, error] = std::from_chars(text, end, value);
  if (error != std::errc() || rest != end || value == 0)
    die(std::string("option ") + option + " needs a positive whole number, not '" + text + "'");
  return value;
}

int main(int argc, char** argv) {
  // As the seedgrid command does, so the bench measures what a node does.
  seedgrid::keep_freed_images_in_the_heap();
  Options o;
  o.data = fs::temp_directory_path() /
           ("seedgrid-dispatch-bench-" + std::to_string(std::random_device{}()));
  for (int i = 1; i < argc; i += 2) {
    if (!std::strcmp(argv[i], "--insecure")) {
      o.insecure = true;
      --i;
    } else if (!std::strcmp(argv[i], "--wire-only")) {
      o.wire_only = true;
      --i;
    } else if (i + 1 >= argc) {
      die(std::string("option ") + argv[i] + " needs a value");
    } else if (!std::strcmp(argv[i], "--data"))
      o.data = argv[i + 1];
    else if (!std::strcmp(argv[i], "--requests"))
      o.requests = count_of(argv[i], argv[i + 1]);
    else if (!std::strcmp(argv[i], "--jobs"))
      o.jobs = count_of(argv[i], argv[i + 1]);
    else if (!std::strcmp(argv[i], "--samples"))
      o.samples = static_cast<int>(count_of(argv[i], argv[i + 1]));
    else if (!std::strcmp(argv[i], "--size"))
      o.size = count_of(argv[i], argv[i + 1]);
    else if (!std::strcmp(argv[i], "--workers"))
      o.workers = static_cast<int>(count_of(argv[i], argv[i + 1]));
    else if (!std::strcmp(argv[i], "--postgres"))
      o.postgres = argv[i + 1];
    else
      die(std::string("unknown option ") + argv[i]);
  }
  (void)logging::configure("error", "");
  fs::create_directories(o.data);
  const Model model = must(bench::tiny_model(o.data), "the model");
  if (o.postgres.empty())
    std::printf("data in %s (journal and ledger fsync there), %u hardware threads\n\n",
                o.data.c_str(), std::thread::hardware_concurrency());
  else
    std::printf("journal and ledger on %s, images in %s, %u hardware threads\n\n",
                o.postgres.c_str(), o.data.c_str(), std::thread::hardware_concurrency());
  std::printf("links between processes: %s\n\n", o.insecure ? "plain TCP (--insecure)" : "TLS");
  if (!o.wire_only) {
    std::printf("dispatch throughput, instant task, %ux%u:\n\n", o.size, o.size);
    std::printf("| workers | requests x jobs | seconds | requests/s | jobs/s |\n");
    std::printf("| --- | --- | --- | --- | --- |\n");
    if (o.workers > 0) {
      dispatch(o, model, o.workers);
      fs::remove_all(o.data);
      return 0;
    }
    for (int workers : {1, 10, 100}) dispatch(o, model, workers);
  }
  std::printf("\n");
  bench::print_hand_overs(o.network(), 1000);
  std::printf(
      "one image per request, end to end (client -> coordinator -> worker; in one actor system, "
      "then each its own over loopback), %d samples:\n\n",
      o.samples);
  std::printf(
      "| task | where | steps | e2e ms (median) | render ms (median) | overhead ms (median) | "
      "overhead ms (p90) |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  for (bool over_loopback : {false, true}) {
    one_image(o, model, protocol::kTaskTxt2Img, 8, over_loopback);
    one_image(o, model, protocol::kTaskInstant, 8, over_loopback);
  }
  std::printf(
      "\ndispatch throughput over loopback (each worker a node of its own, client in its own "
      "actor system), instant task:\n\n");
  std::printf("| workers | requests x jobs | seconds | requests/s | jobs/s |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  for (int workers : {1, 10}) dispatch_over_loopback(o, model, workers);
  fs::remove_all(o.data);
  return 0;
}
