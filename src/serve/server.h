// The HTTP server: one loaded Classifier shared read-only by a fixed pool of worker threads,
// serving the JSON API of api.h (routes, limits and error codes: docs/serve.md).
// cpp-httplib stays behind the pimpl, so nothing outside src/serve sees it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "io/classifier.h"

namespace sentiment::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port, reported by bind()
  // Worker threads; each serves one connection at a time (keep-alive included), so this is
  // also how many clients are served at once. 0: kDefaultThreads.
  size_t threads = 0;
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  size_t max_texts = 1024;          // more texts in one /predict get 413
};

// Enough workers for a few dozen concurrent keep-alive clients; idle workers only sleep,
// and the model's compute is spread over the cores by the OS whatever this number.
inline constexpr size_t kDefaultThreads = 32;

class Server {
 public:
  // classifier must outlive the server. Throws Error on unusable options.
  Server(const Classifier& classifier, ServerOptions options);
  // The server must not be running: call stop() and let run() return first.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket and returns its port (the chosen one when options.port is 0).
  // Idempotent. Throws Error when the address cannot be bound.
  int bind();
  // Serves until stop(); binds first if bind() was not called. Requests in flight finish
  // before it returns. Call at most once. Throws Error when the listening socket fails.
  void run();
  // Makes run() return. Thread-safe, idempotent, and effective even when called before
  // run() (which then returns at once). Not async-signal-safe: from a signal, wake a thread
  // that calls it.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sentiment::serve
