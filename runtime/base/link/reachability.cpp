#include "runtime/base/link/reachability.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstring>

namespace seedgrid::link {
namespace {

constexpr const char* kRefused = "connection refused";
constexpr const char* kNoHost = "no such host";

// Tries one address; "" when it accepted the connection.
std::string try_connect(const addrinfo& a, std::chrono::milliseconds timeout) {
  const int fd = ::socket(a.ai_family, a.ai_socktype, a.ai_protocol);
  if (fd < 0) return std::strerror(errno);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string why;
  if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      why = errno == ECONNREFUSED ? kRefused : std::strerror(errno);
    } else {
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (ready == 0) {
        why = "no answer within " + std::to_string(timeout.count()) + " ms";
      } else if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        why = std::strerror(errno);
      } else if (err != 0) {
        why = err == ECONNREFUSED ? kRefused : std::strerror(err);
      }
    }
  }
  ::close(fd);
  return why;
}

}  // namespace

std::string probe_endpoint(const config::Endpoint& endpoint, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    return kNoHost;
  std::string why;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    why = try_connect(*a, timeout);
    if (why.empty()) break;
  }
  ::freeaddrinfo(found);
  return why.empty() ? "it accepts connections but did not answer as a seedgrid node" : why;
}

std::string unreachable_message(std::string_view what, const config::Endpoint& endpoint,
                                std::chrono::milliseconds timeout) {
  const std::string why = probe_endpoint(endpoint, timeout);
  std::string hint;
  if (why == kRefused) {
    hint = "check that the " + std::string(what) + " is running and listens on port " +
           std::to_string(endpoint.port) + " (its config's listen address, or the port file in " +
           "its data_dir when it listens on port 0)";
  } else if (why == kNoHost) {
    hint = "check the spelling of the host name '" + endpoint.host + "', or give an IP address";
  } else {
    hint = "check that the " + std::string(what) + " is running, that " + endpoint.text() +
           " is its address, and that no firewall drops the connection";
  }
  return "cannot reach the " + std::string(what) + " at " + endpoint.text() + " (" + why +
         "): " + hint;
}

std::string refused_link_message(std::string_view what, const config::Endpoint& endpoint,
                                 const std::string& why) {
  std::string hint;
  if (why.find("pins") != std::string::npos)
    hint = "check the key you pinned for the " + std::string(what) +
           " (--coordinator-key, or coordinator_key in the config): its node id is in the first "
           "lines of its log and in `seedgrid keygen`'s output for its key file";
  else
    hint = "check that the " + std::string(what) +
           " runs TLS (neither side sets network.insecure) and that this is its address";
  return "refused the " + std::string(what) + " at " + endpoint.text() +
         " in the TLS handshake: " + why + ": " + hint;
}

}  // namespace seedgrid::link
