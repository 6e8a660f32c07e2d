// The node processes a network test starts, and the free ports they listen on.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {

namespace fs = std::filesystem;

Child::Child(std::vector<std::string> argv, const fs::path& log) : log_(log) {
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    // A child of a test must not outlive it, even when the test process is killed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::perror("execv");
    ::_exit(127);
  }
}

Child::~Child() {
  if (running()) {
    signal(SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

bool Child::running() {
  if (status_ || pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return false;
  }
  return r == 0;
}

void Child::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

// --- shared fixtures ---

namespace {

// A port the kernel just called free can be handed to a second test process before the first
// one's node binds it (ctest runs two at once), and the two networks then share a coordinator. A
// port is taken only once its reservation file is created here, exclusively, across processes;
// reservations older than an hour are from runs long over and are reclaimed.
bool reserve_port(std::uint16_t port) {
  const fs::path dir = fs::temp_directory_path() / "seedgrid-test-ports";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path file = dir / std::to_string(port);
  const auto age = fs::file_time_type::clock::now() - fs::last_write_time(file, ec);
  if (!ec && age > std::chrono::hours(1)) fs::remove(file, ec);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::uint16_t kernel_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::uint16_t free_port() {
  for (int attempt = 0; attempt < 1'000; ++attempt) {
    const std::uint16_t port = kernel_free_port();
    if (port != 0 && reserve_port(port)) return port;
  }
  std::fprintf(stderr, "no free port could be reserved under %s\n",
               (fs::temp_directory_path() / "seedgrid-test-ports").c_str());
  std::abort();
}

}  // namespace seedgrid::testing
