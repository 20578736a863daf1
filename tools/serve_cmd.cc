// `sentiment serve MODEL [--host H] [--port P] [--threads N] [limits and timeouts]`: the HTTP
// API of docs/serve.md until SIGINT or SIGTERM, which stop it gracefully (requests in flight
// are still answered, idle and half-sent connections are closed at once). A second signal
// during shutdown kills the process the default way.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
  serve::ServerOptions server;  // limits and timeouts, set through kLimitFlags
};

// The server's numeric limits and timeouts, one declaration each: flag, help, range, and
// where the value goes. Timeouts are whole seconds on the command line, the batch wait
// microseconds.
struct LimitFlag {
  const char* flag;
  const char* help;
  size_t min, max;
  size_t serve::ServerOptions::*count = nullptr;                       // a count, or
  std::chrono::milliseconds serve::ServerOptions::*seconds = nullptr;  // a timeout, or
  std::chrono::microseconds serve::ServerOptions::*micros = nullptr;   // a short wait
};

const std::vector<LimitFlag>& limit_flags() {
  using O = serve::ServerOptions;
  static const std::vector<LimitFlag> flags = {
      {"--max-body-bytes", "Largest request body (else 413)", 1, size_t{1} << 30,
       &O::max_body_bytes},
      {"--max-texts", "Most texts in one /predict (else 413)", 1, size_t{1} << 20, &O::max_texts},
      {"--max-connections", "Most open connections; more get 503 with Retry-After", 1, 60000,
       &O::max_connections},
      {"--header-timeout", "Seconds a request has to send its whole header block (else 408)", 1,
       3600, nullptr, &O::header_timeout},
      {"--body-timeout",
       "Seconds a request has to send its whole body, and a client to read an answer (else 408)", 1,
       3600, nullptr, &O::body_timeout},
      {"--keep-alive-timeout", "Seconds an idle keep-alive connection stays open", 1, 3600, nullptr,
       &O::keep_alive_timeout},
      {"--max-batch",
       "Most texts from queued /predict requests run as one forward pass (1: each alone)", 1, 4096,
       &O::max_batch},
      {"--batch-wait-us",
       "Microseconds a worker with a partial batch waits for more /predict requests (0: only "
       "those already queued)",
       0, 1000000, nullptr, nullptr, &O::batch_wait},
      {"--max-queue", "Most complete requests waiting for a worker; more get 503 with Retry-After",
       1, 1 << 20, &O::max_queue},
  };
  return flags;
}

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
  serve::ServerOptions so = o.server;
  so.host = o.host;
  so.port = o.port;
  so.threads = static_cast<size_t>(o.threads);
  serve::Server server(classifier, so);
  const int port = server.bind();

  StopSignals signals;
  bool by_signal = false;
  std::thread watcher([&] {
    by_signal = signals.wait();
    if (by_signal) signals.restore_defaults();
    server.stop();
  });
  print_stdout("Serving %s on %s (Ctrl-C to stop)\n", o.model.c_str(), url(o.host, port).c_str());
  std::fflush(stdout);
  server.run();
  signals.wake();  // run() may have returned without a signal; never leave the watcher blocked
  watcher.join();
  const serve::ServerStats st = server.stats();
  print_stdout(
      "Stopped%s. /predict: %llu requests, %llu texts in %llu forward passes (largest "
      "%llu requests); %llu requests refused with the queue full.\n",
      by_signal ? " by signal" : "", static_cast<unsigned long long>(st.predict_requests),
      static_cast<unsigned long long>(st.predict_texts),
      static_cast<unsigned long long>(st.predict_batches),
      static_cast<unsigned long long>(st.largest_batch),
      static_cast<unsigned long long>(st.queue_full));
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
  cmd->add_option(
         "--threads", o->threads,
         "Worker threads, each running one request or one /predict batch at a time (0: one "
         "per core, here " +
             std::to_string(serve::default_threads()) + ")")
      ->check(CLI::Range(0, 4096));
  // CLI11 parses into these, then the callback below converts them to durations.
  auto durations = std::make_shared<std::vector<size_t>>(limit_flags().size());
  for (size_t k = 0; k < limit_flags().size(); ++k) {
    const LimitFlag& f = limit_flags()[k];
    size_t& slot = f.count ? o->server.*f.count : (*durations)[k];
    if (f.seconds)
      slot = static_cast<size_t>(
          std::chrono::duration_cast<std::chrono::seconds>(o->server.*f.seconds).count());
    if (f.micros) slot = static_cast<size_t>((o->server.*f.micros).count());
    cmd->add_option(f.flag, slot, f.help)->check(CLI::Range(f.min, f.max))->capture_default_str();
  }
  return [o, durations] {
    for (size_t k = 0; k < limit_flags().size(); ++k) {
      const LimitFlag& f = limit_flags()[k];
      if (f.seconds) o->server.*f.seconds = std::chrono::seconds((*durations)[k]);
      if (f.micros)
        o->server.*f.micros = std::chrono::microseconds(static_cast<int64_t>((*durations)[k]));
    }
    return run_serve(*o);
  };
}

}  // namespace sentiment::cli
