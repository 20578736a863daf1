// A raw TCP client for the server tests that need what an HTTP library will not do: send
// headers a byte at a time, leave out Content-Length, announce a body and never send it, or
// hold a connection open. Reads whole responses with a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <string_view>

namespace sentiment::testing {

struct RawResponse {
  int status = 0;       // 0: no complete status line arrived
  std::string headers;  // the header block, status line included
  std::string body;
  bool closed = false;  // the server closed the connection

  // The value of header `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const {
    size_t at = 0;
    while ((at = headers.find('\n', at)) != std::string::npos) {
      ++at;
      const size_t colon = headers.find(':', at);
      if (colon == std::string::npos) break;
      const std::string_view key(headers.data() + at, colon - at);
      if (std::equal(key.begin(), key.end(), name.begin(), name.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        const size_t end = headers.find('\r', colon);
        std::string v = headers.substr(colon + 1, end - colon - 1);
        v.erase(0, v.find_first_not_of(' '));
        return v;
      }
    }
    return "";
  }
};

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    const int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  // False when the connection is closed or reset.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response: the header block and a Content-Length body, or what arrived before the
  // server closed the connection or the timeout passed.
  RawResponse read_response(std::chrono::milliseconds timeout) {
    RawResponse r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t head_end = std::string::npos;
    for (;;) {
      head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        r.headers = buffer_.substr(0, head_end + 2);
        if (r.headers.rfind("HTTP/1.", 0) == 0 && r.headers.size() > 12)
          r.status = std::stoi(r.headers.substr(9, 3));
        const std::string length = r.header("Content-Length");
        const size_t n = length.empty() ? 0 : std::stoul(length);
        if (buffer_.size() >= head_end + 4 + n) {
          r.body = buffer_.substr(head_end + 4, n);
          buffer_.erase(0, head_end + 4 + n);
          return r;
        }
      }
      if (!fill(deadline)) {
        r.closed = closed_;
        if (head_end != std::string::npos) r.body = buffer_.substr(head_end + 4);
        return r;
      }
    }
  }

  // True when the server closes the connection (end of stream or reset) within the timeout;
  // whatever it sent before is dropped.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(deadline)) buffer_.clear();
    return closed_;
  }

 private:
  // Reads what arrives before the deadline; false on close or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p = {fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace sentiment::testing
