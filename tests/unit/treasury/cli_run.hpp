#pragma once
// Runs the real `seedgrid` binary (SEEDGRID_BINARY) for the CLI tests and keeps what it printed.
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace seedgrid::test {

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr together
};

inline CliRun seedgrid_cli(const std::string& args) {
  CliRun run;
  FILE* pipe = ::popen((std::string(SEEDGRID_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace seedgrid::test
