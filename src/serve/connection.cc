// A connection's phases and deadlines (connection.h). Reads and writes never block: each call
// does what the socket allows now and leaves the rest to the next readiness event.
#include "serve/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "serve/api.h"

namespace sentiment::serve {
namespace {

// How long, and how many bytes, a connection closing after an error answer keeps reading.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kMaxLingerBytes = 4 << 20;
constexpr size_t kReadChunk = 64 << 10;

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

}  // namespace

std::string format_response(int status, std::string_view body, std::string_view allow,
                            bool keep_alive, bool head, int retry_after_s) {
  std::string r =
      "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n";
  if (!allow.empty()) r.append("Allow: ").append(allow).append("\r\n");
  if (retry_after_s > 0) r += "Retry-After: " + std::to_string(retry_after_s) + "\r\n";
  r += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head) r.append(body);
  return r;
}

Connection::Connection(int fd, const Deadlines& deadlines, size_t max_body_bytes,
                       Clock::time_point now)
    : fd_(fd),
      deadlines_(deadlines),
      parser_(max_body_bytes),
      // A new connection is there to send a request: its header deadline starts now, so
      // waiting before the first byte does not buy extra time for the rest.
      phase_(Phase::kHeader),
      deadline_(now + deadlines.header) {}

Connection::~Connection() {
  close();
}

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  phase_ = Phase::kClosed;
}

bool Connection::wants_read() const {
  return phase_ == Phase::kIdle || phase_ == Phase::kHeader || phase_ == Phase::kBody ||
         phase_ == Phase::kLingering;
}

bool Connection::on_readable(Clock::time_point now) {
  char buf[kReadChunk];
  while (wants_read()) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {  // the client closed (or reset) its side: nothing left to answer
      close();
      return false;
    }
    if (phase_ == Phase::kLingering) {
      dropped_ += static_cast<size_t>(n);
      if (dropped_ > kMaxLingerBytes) close();
      continue;
    }
    in_.append(buf, static_cast<size_t>(n));
    if (advance(now)) return true;
  }
  return false;
}

// Parses what has arrived and moves to the phase it shows; true when a request is complete.
bool Connection::advance(Clock::time_point now) {
  const RequestParser::State state = parser_.parse(in_);
  if (phase_ == Phase::kIdle && parser_.started()) {
    phase_ = Phase::kHeader;
    deadline_ = now + deadlines_.header;
  }
  switch (state) {
    case RequestParser::State::kHeader:
      return false;
    case RequestParser::State::kBody:
      if (phase_ != Phase::kBody) {
        phase_ = Phase::kBody;
        deadline_ = now + deadlines_.body;
        if (parser_.expects_continue()) {
          // 25 bytes into an empty socket buffer: sent whole or the client is gone, which
          // the next read reports.
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          [[maybe_unused]] const ssize_t n =
              ::send(fd_, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
        }
      }
      return false;
    case RequestParser::State::kDone:
      phase_ = Phase::kBusy;
      deadline_ = Clock::time_point::max();
      return true;
    case RequestParser::State::kFailed:
      return respond(
          format_response(parser_.error_status(), error_body(parser_.error_message()), "", false),
          false, now);
  }
  return false;
}

bool Connection::respond(std::string bytes, bool keep_alive, Clock::time_point now) {
  out_ = std::move(bytes);
  sent_ = 0;
  keep_alive_ = keep_alive && !stopping_;
  phase_ = Phase::kWriting;
  deadline_ = now + deadlines_.body;
  return flush(now);
}

bool Connection::on_writable(Clock::time_point now) {
  return phase_ == Phase::kWriting && flush(now);
}

bool Connection::flush(Clock::time_point now) {
  while (sent_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {
      close();
      return false;
    }
    sent_ += static_cast<size_t>(n);
  }
  out_.clear();
  sent_ = 0;
  if (!keep_alive_) {
    ::shutdown(fd_, SHUT_WR);
    if (stopping_) {
      close();
      return false;
    }
    phase_ = Phase::kLingering;
    deadline_ = now + kLinger;
    return false;
  }
  return next_request(now);
}

bool Connection::answered(Clock::time_point now) {
  if (stopping_) {  // stop() came while the worker was answering
    close();
    return false;
  }
  return next_request(now);
}

bool Connection::next_request(Clock::time_point now) {
  parser_.reset();
  phase_ = Phase::kIdle;
  deadline_ = now + deadlines_.keep_alive;
  return !in_.empty() && advance(now);  // a pipelined request may already be here
}

void Connection::on_deadline(Clock::time_point now) {
  if (phase_ == Phase::kHeader || phase_ == Phase::kBody) {
    // One attempt to say why; a client too slow to send is not waited for to read.
    const std::string r = format_response(
        408,
        error_body(phase_ == Phase::kHeader ? "request timeout: the request header was not "
                                              "complete in time"
                                            : "request timeout: the request body was not "
                                              "complete in time"),
        "", false);
    [[maybe_unused]] const ssize_t n = ::send(fd_, r.data(), r.size(), MSG_NOSIGNAL);
  }
  if (now >= deadline_) close();
}

void Connection::stop() {
  stopping_ = true;
  keep_alive_ = false;
  if (phase_ != Phase::kBusy && phase_ != Phase::kWriting) close();
}

}  // namespace sentiment::serve
