// The HTTP server: one event-loop thread owns every connection (connection.h) and hands only
// complete requests, through one bounded queue, to a fixed pool of worker threads that share
// one Classifier read-only and run the JSON API of api.h (routes, limits and error codes:
// docs/serve.md). /predict requests queued together, from any connections, run as one batch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "io/classifier.h"

namespace sentiment::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port, reported by bind()
  // Worker threads, each running one request or one /predict batch at a time; connections
  // hold none.
  // 0: default_threads().
  size_t threads = 0;
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  size_t max_texts = 1024;          // more texts in one /predict get 413
  // Open connections; the ones over it get 503 with Retry-After and are closed.
  size_t max_connections = 512;
  // Total time for a request's header block (from its first byte; for a new connection from
  // the accept), for its body (and for the client to read the response), and idle time
  // between keep-alive requests.
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds keep_alive_timeout{2000};
  // Most texts a worker combines into one forward pass from queued /predict requests (one
  // request with more texts still runs whole). 1: every request alone.
  size_t max_batch = 64;
  // How long a worker holding fewer than max_batch texts waits for more /predict requests
  // before it runs them. 0: it takes only what is already queued.
  std::chrono::microseconds batch_wait{0};
  // Complete requests waiting for a worker; a request arriving when it is full is answered
  // 503 with Retry-After at once.
  size_t max_queue = 1024;
};

// What the workers did since the server started, for tests and monitoring.
struct ServerStats {
  uint64_t predict_batches = 0;   // forward passes run for /predict requests
  uint64_t predict_requests = 0;  // /predict requests answered from them
  uint64_t predict_texts = 0;     // texts in those requests
  uint64_t largest_batch = 0;     // most requests in one forward pass
  uint64_t queue_full = 0;        // requests answered 503 because the queue was full
};

// One worker per core (at least 2): requests are CPU-bound, and queued ones wait in order.
size_t default_threads();

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
  // before it returns; idle and half-sent ones are closed. Call at most once. Throws Error
  // when the event loop cannot be set up.
  void run();
  // Makes run() return. Thread-safe, idempotent, and effective even when called before
  // run() (which then returns at once). Not async-signal-safe (it takes no lock, but keep
  // to the self-pipe pattern of tools/serve_cmd.cc).
  void stop();

  // Thread-safe; a snapshot.
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sentiment::serve
