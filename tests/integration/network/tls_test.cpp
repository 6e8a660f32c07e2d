// TLS on every link, over real processes on 127.0.0.1: a request crosses a TLS network and its
// prompt never crosses the wire in clear (a recording relay sits between the client and the
// coordinator and between a worker and the coordinator); the same network with network.insecure
// carries it in clear and warns; a plaintext client, a certificate that names another key and a
// worker that pins another coordinator key are refused, each with a log line that says why (and a
// `seedgrid status` that pins another key says why on its terminal); and an
// unauthenticated peer announcing a 256 MiB BASP payload costs the coordinator no memory.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <thread>

#include "runtime/base/link/node_certificate.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "tests/integration/network/network_harness.hpp"
#include "tests/integration/network/recording_relay.hpp"

namespace seedgrid::testing {
namespace {

using namespace std::chrono_literals;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Polls `log` until it holds `text` `times` times (false after `timeout`).
bool wait_for_log(const std::filesystem::path& log, const std::string& text,
                  std::chrono::seconds timeout, std::size_t times = 1) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::string all = read_text(log);
    std::size_t n = 0;
    for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
    if (n >= times) return true;
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(100ms);
  }
}

std::uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

// Runs a request with a distinctive prompt through relays in front of the coordinator (for the
// client and for the only worker); what the relays carried, and the coordinator's log.
struct Captured {
  std::string wire;
  std::string coordinator_log;
  std::uint32_t delivered = 0;
};

Captured serve_through_relays(bool insecure) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  o.insecure = insecure;
  Network net(o);
  RecordingRelay worker_relay(net.endpoint());
  RecordingRelay client_relay(net.endpoint());
  net.workers_connect_through(worker_relay.endpoint().port);
  net.start();
  auto request = net.request("wire", 2, 4);
  request.prompt = "zanzibar-turquoise-marmot";
  protocol::sign_request(request, net.client());
  link::expect_peer(net.system(), client_relay.endpoint(), net.coordinator_id());
  Collected got;
  Captured out;
  {
    client::GenerateSession session(net.system(), nullptr, client_relay.endpoint(), {}, request,
                                    std::make_shared<const Identity>(net.client()),
                                    got.callbacks());
    auto outcome = session.wait(240s);
    EXPECT_TRUE(outcome) << "the request did not complete";
    if (outcome) {
      EXPECT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
      out.delivered = outcome->completed.delivered;
    }
  }
  if (::testing::Test::HasFailure()) net.dump_logs();
  out.coordinator_log = read_text(net.coordinator().log());
  net.stop();
  out.wire = worker_relay.recorded() + client_relay.recorded();
  return out;
}

TEST(Tls, ARequestCrossesATlsNetworkAndItsPromptNeverCrossesTheWireInClear) {
  const Captured c = serve_through_relays(false);
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_GT(c.wire.size(), 4'000u) << "the relays carried the client's and the worker's links";
  EXPECT_EQ(c.wire.find("zanzibar"), std::string::npos) << "the prompt crossed the wire in clear";
  EXPECT_EQ(c.coordinator_log.find("network.insecure"), std::string::npos);
}

// The same capture sees the prompt when the links are plain TCP: the check above can fail.
TEST(Tls, AnInsecureNetworkWarnsAtStartAndCarriesThePromptInClear) {
  const Captured c = serve_through_relays(true);
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_NE(c.wire.find("zanzibar"), std::string::npos);
  EXPECT_NE(c.coordinator_log.find("network.insecure: this node's links are plain TCP"),
            std::string::npos)
      << c.coordinator_log;
}

// A TLS client that presents `certificate` (and holds its key) to `where` and sends `first`; true
// when the peer kept the connection open (3 s without a close).
bool tls_client_kept(const config::Endpoint& where, const link::NodeCertificate& certificate,
                     const std::string& first = "hello") {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_use_certificate(ctx, certificate.certificate.get());
  SSL_CTX_use_PrivateKey(ctx, certificate.key.get());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  const int fd = connect_to(where);
  SSL_set_fd(ssl, fd);
  bool kept = SSL_connect(ssl) == 1;
  if (kept) {
    // TLS 1.3: the server judges the client's certificate after the client's Finished; a refusal
    // arrives as an alert on the first read.
    SSL_write(ssl, first.data(), static_cast<int>(first.size()));
    char buf[64];
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    // Whatever the node sends (BASP's own handshake) is read; kept = still open when it falls silent.
    int r = 0;
    while ((r = SSL_read(ssl, buf, sizeof buf)) > 0) {
    }
    kept = SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ||
           (SSL_get_error(ssl, r) == SSL_ERROR_SYSCALL && errno == EAGAIN);
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return kept;
}

TEST(Tls, PeersThatCannotAuthenticateAreRefusedWithTheReason) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  const Identity other = Identity::generate();
  o.worker_pins_coordinator = other.node_id();  // the worker expects another coordinator
  Network net(o);
  net.start_coordinator();
  net.start_worker(0);
  const auto coordinator_log = net.coordinator().log();
  const std::string from = "refused a connection from 127.0.0.1:";
  ASSERT_TRUE(wait_for_log(coordinator_log, "listening on", 60s)) << read_text(coordinator_log);

  // A client on plain TCP.
  {
    config::NetworkSection plain;
    plain.insecure = true;
    client::ClientSystem system(plain);
    auto status = client::fetch_status(system.get(), net.endpoint(), 10s);
    EXPECT_FALSE(status) << "a plaintext client got an answer";
  }
  EXPECT_TRUE(wait_for_log(
      coordinator_log, "before authentication: it does not speak TLS (its first byte is 0x01", 30s))
      << read_text(coordinator_log);

  // A client whose certificate names another node's key than the one it holds.
  const Identity impostor = Identity::generate();
  auto forged = link::make_certificate(impostor, other.node_id());
  ASSERT_TRUE(forged) << forged.error().message;
  EXPECT_FALSE(tls_client_kept(net.endpoint(), *forged));
  EXPECT_TRUE(wait_for_log(coordinator_log,
                           "its certificate names node \"" + other.node_id() +
                               "\" but holds the key of node " + impostor.node_id(),
                           30s))
      << read_text(coordinator_log);

  // A well-formed certificate is accepted (so the refusals above are about the certificate).
  auto honest = link::make_node_certificate(impostor);
  ASSERT_TRUE(honest);
  EXPECT_TRUE(tls_client_kept(net.endpoint(), *honest));

  // The worker pins another coordinator key: it refuses the coordinator and never registers.
  EXPECT_TRUE(wait_for_log(net.worker(0).log(),
                           "refused the node at 127.0.0.1:" + std::to_string(net.endpoint().port) +
                               ": it holds the key of node " + net.coordinator_id() +
                               ", not the key this node pins for it (" + other.node_id() + ")",
                           60s))
      << read_text(net.worker(0).log());
  auto status = client::fetch_status(net.system(), net.endpoint(), 10s, net.coordinator_id());
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(status->nodes.empty()) << "the worker registered with a coordinator it refused";

  // A user who pins the wrong coordinator key reads why, not "cannot reach".
  const std::string coordinator = "127.0.0.1:" + std::to_string(net.endpoint().port);
  Child wrong_key({SEEDGRID_BINARY, "status", "--coordinator", coordinator, "--coordinator-key",
                   other.node_id()},
                  net.dir() / "status-wrong-key.log");
  EXPECT_EQ(wrong_key.wait(60s), 1);
  const std::string said = read_text(net.dir() / "status-wrong-key.log");
  EXPECT_NE(said.find("refused the coordinator at " + coordinator +
                      " in the TLS handshake: it holds the key of node " + net.coordinator_id() +
                      ", not the key this node pins for it (" + other.node_id() + ")"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("check the key you pinned"), std::string::npos) << said;
  EXPECT_EQ(said.find("cannot reach"), std::string::npos) << said;
  EXPECT_NE(read_text(coordinator_log).find(from), std::string::npos);
  net.stop();
}

TEST(Tls, AnUnauthenticatedPeerAnnouncingA256MiBPayloadCostsNoMemory) {
  NetworkOptions o;
  o.workers = 0;
  o.validators = 0;
  Network net(o);
  net.start_coordinator();
  const auto log = net.coordinator().log();
  ASSERT_TRUE(wait_for_log(log, "listening on", 60s)) << read_text(log);
  const pid_t pid = net.coordinator().pid();
  const std::uint64_t before = rss_kib(pid);
  ASSERT_GT(before, 0u);

  // CAF 0.17's BASP header: operation, 3 bytes of padding and flags, then the payload length
  // (big-endian), operation data and two actor ids. Operation 1 is a client handshake; a plain
  // middleman sizes its read buffer to the announced length before reading any of it.
  std::array<unsigned char, 32> header{};
  header[0] = 1;
  const std::uint32_t length = 256u << 20;
  header[4] = length >> 24;
  header[5] = (length >> 16) & 0xff;
  header[6] = (length >> 8) & 0xff;
  header[7] = length & 0xff;
  std::vector<int> sockets;
  for (int i = 0; i < 4; ++i) {
    int fd = connect_to(net.endpoint());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, header.data(), header.size(), MSG_NOSIGNAL), 32);
    sockets.push_back(fd);
  }
  EXPECT_TRUE(wait_for_log(log, "it does not speak TLS (its first byte is 0x01", 30s, 4))
      << read_text(log);
  const std::uint64_t after = rss_kib(pid);
  EXPECT_LT(after, before + 32 * 1024)
      << "VmRSS grew from " << before << " KiB to " << after << " KiB";
  for (int fd : sockets) ::close(fd);

  // A peer that proves a fresh key is still held to the budget until BASP's handshake: the same
  // header over TLS is refused, and allocates nothing.
  const Identity stranger = Identity::generate();
  auto certificate = link::make_node_certificate(stranger);
  ASSERT_TRUE(certificate);
  EXPECT_FALSE(tls_client_kept(net.endpoint(), *certificate,
                               std::string(reinterpret_cast<const char*>(header.data()), 32)));
  EXPECT_TRUE(wait_for_log(log, "refused node " + stranger.node_id() + " at 127.0.0.1:", 30s))
      << read_text(log);
  EXPECT_NE(read_text(log).find("its first message announces 268435456 bytes"), std::string::npos);
  const std::uint64_t after_tls = rss_kib(pid);
  EXPECT_LT(after_tls, before + 32 * 1024)
      << "VmRSS grew from " << before << " KiB to " << after_tls << " KiB";

  // Connections that never start a handshake: an address gets its share, then is refused.
  std::vector<int> idle;
  for (std::size_t i = 0; i <= link::kMaxUnauthenticatedPerAddress; ++i)
    idle.push_back(connect_to(net.endpoint()));
  EXPECT_TRUE(wait_for_log(log,
                           std::to_string(link::kMaxUnauthenticatedPerAddress) +
                               " connections from 127.0.0.1 have not completed their TLS "
                               "handshake yet",
                           30s))
      << read_text(log);
  // Those that got in are closed at the handshake deadline, though they never send a byte.
  EXPECT_TRUE(wait_for_log(log, "before authentication: no TLS handshake within", 60s,
                           link::kMaxUnauthenticatedPerAddress))
      << read_text(log);
  for (int fd : idle) ::close(fd);
  net.stop();
}

}  // namespace
}  // namespace seedgrid::testing
