#pragma once
// Runs the real `seedgrid` binary for the CLI tests: stdout and stderr together, the exit status,
// and a time limit (SIGKILL, since a hung client may ignore SIGTERM) so that a hang is a failure.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace seedgrid::test {

struct CliRun {
  int status = -1;  // the exit status; -1 when killed by a signal (a time-out included)
  std::string output;
};

// A program and its arguments (a shell word list) with its output (stdout and stderr together),
// under a time limit; `cwd`, when given, is the folder it runs in.
inline CliRun run_shell(const std::string& program_and_args, int limit_s = 30,
                        const std::string& cwd = "") {
  CliRun run;
  const std::string command = (cwd.empty() ? std::string() : "cd '" + cwd + "' && ") +
                              "timeout -s KILL " + std::to_string(limit_s) + " " +
                              program_and_args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) run.status = WEXITSTATUS(status);
  if (run.status == 137 || run.status == 124) run.status = -1;  // timeout's own report of a kill
  return run;
}

// `cwd`, when given, is the folder the command runs in (relative paths in `args` start there).
inline CliRun run_seedgrid(const std::string& args, int limit_s = 30, const std::string& cwd = "") {
  return run_shell(std::string(SEEDGRID_BINARY) + " " + args, limit_s, cwd);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fresh directory per test, removed when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("seedgrid-cli-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path(const std::string& name = "") const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 where nothing listens (bound, then released).
inline int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace seedgrid::test
