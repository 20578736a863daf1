// One client connection of the server's event loop: a non-blocking socket, its buffers, the
// request being read (request_parser.h) and the deadline of the phase it is in. Each phase has
// one total deadline, not a per-byte timeout, so a client trickling bytes cannot hold a
// connection longer than a silent one. Single-threaded: only the event loop touches it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "serve/request_parser.h"

namespace sentiment::serve {

using Clock = std::chrono::steady_clock;

struct Deadlines {
  Clock::duration header;      // from a request's first byte to the end of its header block
  Clock::duration body;        // from the end of the header block to the end of the body; also
                               // the time a client has to read a response
  Clock::duration keep_alive;  // idle between requests (and before the first one)
};

// A whole HTTP/1.1 response with a JSON body. `head`: headers only (Content-Length still that
// of the body). `retry_after_s` > 0 adds a Retry-After header.
std::string format_response(int status, std::string_view body, std::string_view allow,
                            bool keep_alive, bool head = false, int retry_after_s = 0);

class Connection {
 public:
  enum class Phase {
    kIdle,       // waiting for a request (keep-alive)
    kHeader,     // reading a header block
    kBody,       // reading a body
    kBusy,       // a complete request is with a worker; nothing is read meanwhile
    kWriting,    // writing a response
    kLingering,  // answered and closing: reading and dropping what the client still sends,
                 // so the close does not reset the connection before it read the answer
    kClosed,
  };

  // Takes ownership of fd, a connected non-blocking socket.
  Connection(int fd, const Deadlines& deadlines, size_t max_body_bytes, Clock::time_point now);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  Phase phase() const { return phase_; }
  Clock::time_point deadline() const { return deadline_; }
  // Whether the socket should be watched for reading (else for writing, or not at all).
  bool wants_read() const;
  bool wants_write() const { return phase_ == Phase::kWriting; }

  // Each returns true when a complete request is ready (phase kBusy): take it with
  // take_request() and answer it with respond().
  bool on_readable(Clock::time_point now);
  bool on_writable(Clock::time_point now);
  // Call when deadline() has passed: 408 for a request under way, else just close.
  void on_deadline(Clock::time_point now);

  Request take_request() { return std::move(parser_.request()); }
  // `bytes` is a whole response (format_response); closes after it unless keep_alive.
  // Returns true when a pipelined request is already complete (as on_readable).
  bool respond(std::string bytes, bool keep_alive, Clock::time_point now);
  // A worker sent the whole answer itself on a keep-alive connection (and re-armed it for
  // reading): on to the next request. Returns as respond().
  bool answered(Clock::time_point now);
  // Server shutdown: closes at once unless a request is with a worker or being answered,
  // whose connections close right after their answer.
  void stop();

  // The event loop's own bookkeeping: the epoll events registered for fd().
  uint32_t registered = 0;
  bool rejected = false;  // answered 503 at accept (over the connection limit)

 private:
  bool advance(Clock::time_point now);
  bool flush(Clock::time_point now);
  bool next_request(Clock::time_point now);
  void close();

  int fd_;
  Deadlines deadlines_;
  RequestParser parser_;
  Phase phase_ = Phase::kIdle;
  Clock::time_point deadline_;
  std::string in_;
  std::string out_;
  size_t sent_ = 0;
  bool keep_alive_ = true;
  bool stopping_ = false;
  size_t dropped_ = 0;  // bytes read and dropped while lingering
};

}  // namespace sentiment::serve
