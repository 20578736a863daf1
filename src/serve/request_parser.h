// An incremental HTTP/1.1 request parser: fed whatever bytes a socket had, it reports when the
// header block and then the body (Content-Length or chunked) are complete, applying the size
// limits before reading what they bound. No I/O and no clock: connection.cc owns both.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sentiment::serve {

struct Request {
  std::string method;      // "GET", "POST", ...
  std::string path;        // percent-decoded, without the query string
  std::string body;        // de-chunked
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only when asked
  bool multipart = false;  // a multipart/form-data upload (answered 415)
};

// Longest request line (else 414) and header block (else 431) read before giving up.
inline constexpr size_t kMaxRequestLineBytes = 8 << 10;
inline constexpr size_t kMaxHeaderBytes = 16 << 10;

class RequestParser {
 public:
  enum class State { kHeader, kBody, kDone, kFailed };

  explicit RequestParser(size_t max_body_bytes) : max_body_(max_body_bytes) {}

  // Consumes bytes of `in` (erasing them) and returns the new state. Bytes after a complete
  // request stay in `in` for the next one (pipelining). After kDone or kFailed it consumes
  // nothing until reset().
  State parse(std::string& in);
  State state() const { return state_; }
  // True once any byte of this request (other than leading blank lines) arrived.
  bool started() const { return started_; }
  // The client sent "Expect: 100-continue" and waits for an interim answer to send the body.
  bool expects_continue() const { return expect_continue_; }

  Request& request() { return request_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  // Ready for the next request on the same connection.
  void reset();

 private:
  void parse_head(std::string_view head);
  void parse_header(std::string_view name, std::string_view value);
  void parse_body(std::string& in);
  bool parse_chunk_size(std::string_view line);
  void fail(int status, std::string message);
  std::string over_limit() const;

  enum class Chunk { kSize, kData, kDataEnd, kTrailer };

  size_t max_body_;
  State state_ = State::kHeader;
  Request request_;
  bool started_ = false;
  bool expect_continue_ = false;
  bool chunked_ = false;
  bool has_length_ = false;
  size_t body_left_ = 0;  // of the Content-Length, or of the current chunk
  Chunk chunk_ = Chunk::kSize;
  size_t trailer_bytes_ = 0;
  size_t scanned_ = 0;  // bytes of `in` already searched for the end of the header block
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace sentiment::serve
