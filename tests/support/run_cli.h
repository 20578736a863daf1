// Runs the sentiment binary (SENTIMENT_BIN, set by the test's CMake target) the way a user
// does, through /bin/sh, and captures its exit status and its stdout and stderr together.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace sentiment::testing {

struct CliResult {
  int status = -1;     // exit status, or 128 + signal number when killed by a signal
  std::string output;  // stdout and stderr together
};

// `input`, when given, is a shell pipeline whose output feeds stdin.
inline CliResult run_cli(const std::string& args, const std::string& input = "") {
  const std::string cmd =
      (input.empty() ? "" : input + " | ") + std::string(SENTIMENT_BIN) + " " + args + " 2>&1";
  CliResult r;
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace sentiment::testing
