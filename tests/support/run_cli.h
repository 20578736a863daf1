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

// Runs a shell command line and captures what it prints.
inline CliResult run_shell(const std::string& cmd) {
  CliResult r;
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// `input`, when given, is a shell pipeline whose output feeds stdin.
inline CliResult run_cli(const std::string& args, const std::string& input = "") {
  return run_shell((input.empty() ? "" : input + " | ") + std::string(SENTIMENT_BIN) + " " + args +
                   " 2>&1");
}

// A shell script in which $S is the sentiment binary, for tests that set up redirections
// themselves (stdout to /dev/full, a closed stdout); its stdout and stderr are captured
// together unless the script redirects them.
inline CliResult run_script(const std::string& script) {
  return run_shell("S='" + std::string(SENTIMENT_BIN) + "'; { " + script + "; } 2>&1");
}

}  // namespace sentiment::testing
