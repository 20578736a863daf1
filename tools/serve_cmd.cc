// `sentiment serve MODEL [--host H] [--port P] [--threads N]`: the HTTP API of docs/serve.md
// until SIGINT or SIGTERM, which stop it gracefully (requests in flight are still answered).
// A second signal during shutdown kills the process the default way.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "io/model_file.h"
#include "serve/server.h"

namespace sentiment::cli {
namespace {

struct ServeOptions {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;
  size_t max_body_bytes = 1 << 20;
  size_t max_texts = 1024;
};

// Write end of the self-pipe. The handler may only call async-signal-safe functions, so it
// writes one byte; a watcher thread reads it and calls Server::stop(), which takes locks.
volatile sig_atomic_t g_wake_fd = -1;

void on_stop_signal(int) {
  const int saved = errno;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(g_wake_fd, &byte, 1);
  errno = saved;
}

// Installs the handlers for the lifetime of the object and restores the previous ones.
class StopSignals {
 public:
  StopSignals() {
    if (::pipe2(fds_, O_CLOEXEC) != 0)
      throw Error(std::string("cannot create the signal pipe: ") + std::strerror(errno));
    g_wake_fd = fds_[1];
    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_wake_fd = -1;
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until a signal arrives or wake() is called; true for a signal.
  bool wait() {
    char byte = 0;
    while (::read(fds_[0], &byte, 1) < 0 && errno == EINTR) {
    }
    return byte == 1;
  }
  void wake() {
    const char byte = 0;
    [[maybe_unused]] const ssize_t n = ::write(fds_[1], &byte, 1);
  }
  // After the first signal: the next one ends the process at once.
  void restore_defaults() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  int fds_[2] = {-1, -1};
  struct sigaction old_int_ = {}, old_term_ = {};
};

std::string url(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int run_serve(const ServeOptions& o) {
  const Classifier classifier = load_model(o.model);
  // Each request runs on its own server thread; the GEMMs are pinned to one thread (make_pool
  // for OpenBLAS, every calling thread for oneDNN) so those threads do not each start a
  // pool. The pool itself is not needed.
  make_pool(1);
  serve::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  so.threads = static_cast<size_t>(o.threads);
  so.max_body_bytes = o.max_body_bytes;
  so.max_texts = o.max_texts;
  serve::Server server(classifier, so);
  const int port = server.bind();

  StopSignals signals;
  bool by_signal = false;
  std::thread watcher([&] {
    by_signal = signals.wait();
    if (by_signal) signals.restore_defaults();
    server.stop();
  });
  std::printf("Serving %s on %s (Ctrl-C to stop)\n", o.model.c_str(), url(o.host, port).c_str());
  std::fflush(stdout);
  server.run();
  signals.wake();  // run() may have returned without a signal; never leave the watcher blocked
  watcher.join();
  std::printf("Stopped%s.\n", by_signal ? " by signal" : "");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve a model over HTTP: /predict, /explain, /metadata, /health (docs/serve.md)");
  cmd->add_option("model", o->model, "Model file (final.model or best.model from train)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--host", o->host, "Address to listen on (0.0.0.0: every interface)")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "Worker threads, each serving one connection at a time (0: " +
                      std::to_string(serve::kDefaultThreads) + ")")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--max-body-bytes", o->max_body_bytes, "Largest request body (else 413)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--max-texts", o->max_texts, "Most texts in one /predict (else 413)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  return [o] { return run_serve(*o); };
}

}  // namespace sentiment::cli
