// bench/gateway/latency_bench: what the HTTP gateway adds to a request's latency over the CAF client.
//
//   gateway_latency_bench [--samples S] [--insecure] [--gateway coordinator-node|own-node]
//
// One network on 127.0.0.1, each part its own actor system as in a real deployment: a
// coordinator+treasury node and a worker node, with the gateway placed either way an operator can
// place it (both by default, one table each): as a role of the coordinator's node (as the main
// command and `seedgrid sim --serve` run it), or as a node of its own in front of the coordinator
// (it dials the coordinator over TLS like any client, one more network hop each way). The same user (the same key and ledger account)
// then makes S sequential one-image requests each way, alternating so that both see the same
// machine: the CAF client (`runtime/base/client`, as `seedgrid generate` uses) from submit to the
// result event, and an HTTP client from the first byte of `POST /v1/requests` (on a kept-alive
// connection) to the `result` event on `GET /v1/requests/{id}/events` (Server-Sent Events, on a
// connection of its own, as a browser's EventSource opens one), and an HTTP client that makes one
// POST accepting an event stream and reads the events on that kept-alive connection (as the CAF
// client keeps its connection to the coordinator). The median of each sample's difference to the
// CAF request made just before it is what the gateway adds: HTTP parsing, the API key, the gateway's own session to the coordinator,
// its book and the event's JSON. No CAF here: the bench is a client like any other.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/common/bench_network.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/image/image_heap.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/user_store.hpp"
#include "runtime/node/node.hpp"

namespace fs = std::filesystem;
using namespace seedgrid;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "gateway_latency_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// One kept-alive HTTP/1.1 connection, just enough of the protocol for this bench: requests with a
// Content-Length body, answers with Content-Length or chunked bodies.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      die("cannot connect to the gateway on port " + std::to_string(port));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~HttpConnection() { ::close(fd_); }

  void send(const std::string& method, const std::string& path, const std::string& api_key,
            const std::string& body, const std::string& accept = "") {
    std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\napikey: " + api_key +
                      "\r\n";
    if (!accept.empty()) out += "Accept: " + accept + "\r\n";
    if (!body.empty())
      out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    out += "\r\n" + body;
    for (std::size_t sent = 0; sent < out.size();) {
      const auto n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) die("the gateway closed the connection while we sent " + path);
      sent += static_cast<std::size_t>(n);
    }
  }

  // The status and the whole body of a Content-Length answer.
  std::pair<int, std::string> answer() {
    const std::string head = read_head();
    const auto cl = lower(head).find("content-length:");
    if (cl == std::string::npos) die("expected a Content-Length answer, got: " + head);
    const std::size_t length = std::stoul(head.substr(cl + 15));
    while (buffer_.size() < length) fill();
    std::string body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return {status_of(head), body};
  }

  // Reads an event stream until `marker` arrives and returns when it did; then reads on to the
  // stream's last chunk, so that the connection can carry the next request.
  Clock::time_point stream_until(const std::string& marker) {
    const std::string head = read_head();
    if (status_of(head) != 200) die("the event stream answered: " + head);
    std::size_t at;
    while ((at = buffer_.find(marker)) == std::string::npos) fill();
    const auto seen = Clock::now();
    if (lower(head).find("transfer-encoding: chunked") != std::string::npos) {
      const std::string last = "\r\n0\r\n\r\n";
      std::size_t end;
      while ((end = buffer_.find(last, at)) == std::string::npos) fill();
      buffer_.erase(0, end + last.size());
    }
    return seen;
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static int status_of(const std::string& head) { return std::stoi(head.substr(9, 3)); }

  std::string read_head() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) fill();
    std::string head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    return head;
  }
  void fill() {
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) die("the gateway closed the connection");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }

  int fd_ = -1;
  std::string buffer_;
};

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    die("no free port on 127.0.0.1");
  const std::uint16_t port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct Row {
  std::vector<double> caf_ms, http_ms, streamed_ms;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
// The median of b[i] - a[i]: samples i were taken back to back, so a slow moment of the machine
// shows in both and cancels, where a difference of medians keeps it.
double median_paired(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
  return median(std::move(d));
}
double p90(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() * 9 / 10];
}

enum class Placement { own_node, coordinator_node };

// One network, `samples` requests each way per task, one table; the network is gone afterwards.
void measure(Placement placement, int samples, const config::NetworkSection& network) {
  const fs::path dir = fs::temp_directory_path() /
                       ("seedgrid-gateway-latency-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "data");

  const auto model = must(bench::tiny_model(dir), "the model");
  const Identity user = Identity::generate();
  const std::string users_file = (dir / "gateway/users.json").string();
  const auto account = must(gateway::add_user(users_file, "bench", user), "adding the user");
  const std::uint16_t gateway_port = free_port();
  config::GatewaySection section;
  section.listen = {"127.0.0.1", gateway_port};
  section.users_file = users_file;
  section.requests_per_second = 1000;

  const bool cohosted = placement == Placement::coordinator_node;
  auto coordinator = must(bench::funded_coordinator_node(dir, model, user, 0, network,
                                                         cohosted ? &section : nullptr),
                          "the coordinator node");
  const Identity coordinator_key =
      must(Identity::load_or_create((dir / "coordinator.key").string()), "coordinator key");
  const std::uint16_t port = coordinator->coordinator_port();

  auto worker =
      must(bench::worker_node(dir / "worker.key", model, port, network), "the worker node");

  // The worker is up once the coordinator's status, asked as any client asks it, lists it.
  client::ClientSystem client_system(network, std::make_shared<const Identity>(user));
  for (int tries = 0;; ++tries) {
    auto status = client::fetch_status(client_system.get(), {"127.0.0.1", port},
                                       std::chrono::seconds(5), coordinator_key.node_id());
    if (status && std::any_of(status->nodes.begin(), status->nodes.end(),
                              [](const auto& n) { return n.connected; }))
      break;
    if (tries == 600) die("the worker did not register");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::unique_ptr<node::Node> gateway_node;
  if (!cohosted) {
    node::NodePlan gplan;
    gplan.configure_logging = false;
    auto& g = gplan.config;
    g.network = network;
    g.roles = {"gateway"};
    g.node.key_file = (dir / "gateway.key").string();
    g.gateway = section;
    g.gateway->coordinator = config::Endpoint{"127.0.0.1", port};
    g.gateway->coordinator_key = coordinator_key.node_id();
    gateway_node = must(node::Node::start(gplan), "starting the gateway node");
  }

  HttpConnection http(gateway_port);
  const auto signer = std::make_shared<const Identity>(user);

  auto caf_request = [&](const std::string& id, std::string_view task) {
    protocol::GenerateRequest r;
    r.request_id = id;
    r.model_id = model.id;
    r.task_type = std::string(task);
    r.prompt = "benchmark";
    r.steps = 8;
    r.width = 64;
    r.height = 64;
    r.count = 1;
    protocol::sign_request(r, user);
    Clock::time_point delivered_at;
    client::SessionCallbacks callbacks;
    callbacks.on_event = [&](const protocol::ClientEvent& e) {
      if (e.kind == protocol::EventKind::result) delivered_at = Clock::now();
    };
    const auto start = Clock::now();
    client::GenerateSession session(client_system.get(), nullptr, {"127.0.0.1", port}, network,
                                    r, signer, callbacks);
    auto outcome = session.wait(std::chrono::minutes(2));
    if (!outcome || !outcome->reply.ok()) die("a request through the CAF client did not complete");
    return ms_between(start, delivered_at);
  };
  auto http_request = [&](const std::string& id, std::string_view task) {
    const std::string body = R"({"prompt":"benchmark","steps":8,"width":64,"height":64,)"
                             R"("count":1,"task_type":")" +
                             std::string(task) + R"(","request_id":")" + id + R"("})";
    const auto start = Clock::now();
    http.send("POST", "/v1/requests", account.api_key, body);
    const auto [status, answer] = http.answer();
    if (status != 202) die("POST /v1/requests answered " + std::to_string(status) + ": " + answer);
    // A new connection for the events, as a browser's EventSource opens one: the gateway closes
    // a stream's connection at its end.
    HttpConnection events(gateway_port);
    events.send("GET", "/v1/requests/" + id + "/events", account.api_key, "");
    return ms_between(start, events.stream_until("\"type\":\"result\""));
  };
  // The same request as one POST that accepts an event stream: the events come back on the
  // kept-alive connection itself.
  HttpConnection streaming(gateway_port);
  auto streamed_request = [&](const std::string& id, std::string_view task) {
    const std::string body = R"({"prompt":"benchmark","steps":8,"width":64,"height":64,)"
                             R"("count":1,"task_type":")" +
                             std::string(task) + R"(","request_id":")" + id + R"("})";
    const auto start = Clock::now();
    streaming.send("POST", "/v1/requests", account.api_key, body, "text/event-stream");
    return ms_between(start, streaming.stream_until("\"type\":\"result\""));
  };

  std::printf("\ngateway: %s; links between nodes: %s; %d samples per row, the three ways in "
              "turn, after 2 warm-up requests each\n\n",
              cohosted ? "a role of the coordinator's node"
                       : "its own node, a client of the coordinator",
              network.insecure ? "plain TCP (--insecure)" : "TLS", samples);
  std::printf("| task | CAF client, median ms | HTTP, POST then events, median ms | added | HTTP, "
              "streamed POST, median ms | added | CAF p90 | HTTP p90 | streamed p90 |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  std::printf("(added: the median of each sample's difference to the CAF request made just "
              "before it)\n");
  int n = 0;
  for (std::string_view task : {protocol::kTaskInstant, protocol::kTaskTxt2Img}) {
    Row row;
    for (int i = 0; i < samples + 2; ++i) {
      const double a = caf_request("c" + std::to_string(n), task);
      const double b = http_request("h" + std::to_string(n), task);
      const double c = streamed_request("s" + std::to_string(n), task);
      ++n;
      if (i < 2) continue;
      row.caf_ms.push_back(a);
      row.http_ms.push_back(b);
      row.streamed_ms.push_back(c);
    }
    const double caf = median(row.caf_ms);
    std::printf("| %s | %.2f | %.2f | %+.2f | %.2f | %+.2f | %.2f | %.2f | %.2f |\n",
                std::string(task).c_str(), caf, median(row.http_ms),
                median_paired(row.caf_ms, row.http_ms), median(row.streamed_ms),
                median_paired(row.caf_ms, row.streamed_ms), p90(row.caf_ms),
                p90(row.http_ms), p90(row.streamed_ms));
    std::fflush(stdout);
  }
  if (gateway_node) gateway_node->stop();
  worker->stop();
  coordinator->stop();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  // As the seedgrid command does, so the bench measures what a node does.
  seedgrid::keep_freed_images_in_the_heap();
  int samples = 30;
  config::NetworkSection network;
  std::vector<Placement> placements = {Placement::coordinator_node, Placement::own_node};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--insecure") {
      network.insecure = true;
    } else if (arg == "--samples" && i + 1 < argc) {
      samples = std::stoi(argv[++i]);
    } else if (arg == "--gateway" && i + 1 < argc) {
      const std::string_view where = argv[++i];
      if (where == "coordinator-node")
        placements = {Placement::coordinator_node};
      else if (where == "own-node")
        placements = {Placement::own_node};
      else
        die("--gateway " + std::string(where) + ": expected coordinator-node or own-node");
    } else {
      die("unknown option " + std::string(arg) +
          " (expected --samples S, --insecure, --gateway coordinator-node|own-node)");
    }
  }
  if (samples < 1) die("--samples must be at least 1");
  (void)logging::configure("error", "");
  for (const Placement p : placements) measure(p, samples, network);
  return 0;
}
