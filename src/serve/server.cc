// cpp-httplib adapter for the API: every method and path goes to Api::handle, which owns
// routing (so 404 and 405 are ours, with JSON bodies); bodies are read here with the size
// limit applied to chunked uploads too.
#include "serve/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "serve/api.h"

namespace sentiment::serve {
namespace {

// Requests one keep-alive connection may carry before the server closes it: high enough that
// reconnecting is rare, low enough that queued connections get a worker eventually.
constexpr size_t kKeepAliveMaxRequests = 100;
// Idle keep-alive connections hold a worker, and run() waits for them when stopping.
constexpr time_t kKeepAliveSeconds = 2;
constexpr time_t kReadTimeoutSeconds = 10;
constexpr const char* kJson = "application/json";

const char* reason(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 415:
      return "unsupported media type";
    case 503:
      return "service unavailable";
    default:
      return status >= 500 ? "internal error" : "request failed";
  }
}

// httplib closes the listening socket when a running server stops (or its accept fails);
// one that was bound but never run would leak it.
class HttpServer : public httplib::Server {
 public:
  ~HttpServer() override {
    if (listened_) return;  // closed by httplib, and the number may already be reused
    const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
  }
  bool listen_once() {
    listened_ = true;
    return listen_after_bind();
  }

 private:
  bool listened_ = false;
};

}  // namespace

struct Server::Impl {
  Impl(const Classifier& classifier, ServerOptions o)
      : options(std::move(o)), api(classifier, {options.max_body_bytes, options.max_texts}) {}

  void reply(const httplib::Request& req, httplib::Response& res, std::string_view body) const {
    ApiResponse r = api.handle(req.method, req.path, body);
    res.status = r.status;
    if (!r.allow.empty()) res.set_header("Allow", r.allow);
    res.set_content(std::move(r.body), kJson);
  }

  // POST bodies are read through a receiver rather than by httplib, because httplib 0.11
  // applies its payload limit only to bodies with a Content-Length, not to chunked ones.
  void read_and_reply(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) const {
    if (req.is_multipart_form_data()) {
      // Drain the parts (within the size limit) so the connection stays in step for its
      // next request; their content is not used.
      size_t seen = 0;
      reader([](const httplib::MultipartFormData&) { return true; },
             [&](const char*, size_t n) {
               seen += n;
               return seen <= options.max_body_bytes;
             });
      res.status = 415;
      res.set_content(error_body("multipart bodies are not accepted: send a JSON object"), kJson);
      return;
    }
    std::string body;
    bool over = false;
    const bool complete = reader([&](const char* data, size_t n) {
      if (n > options.max_body_bytes - body.size()) {
        over = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (!complete) {
      // httplib sets 413 itself when a Content-Length is over the limit.
      const bool too_large = over || res.status == 413;
      res.status = too_large ? 413 : 400;
      res.set_content(error_body(too_large ? "request body is over the limit of " +
                                                 std::to_string(options.max_body_bytes) + " bytes"
                                           : std::string("could not read the request body")),
                      kJson);
      return;
    }
    reply(req, res, body);
  }

  ServerOptions options;
  Api api;
  HttpServer http;
  std::mutex bind_mutex;
  int port = -1;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> in_run{false};
};

Server::Server(const Classifier& classifier, ServerOptions options)
    : impl_(std::make_unique<Impl>(classifier, std::move(options))) {
  Impl& s = *impl_;
  if (s.options.port < 0 || s.options.port > 65535)
    throw Error("port: got " + std::to_string(s.options.port) + ", expected 0 to 65535");
  if (s.options.max_body_bytes == 0 || s.options.max_texts == 0)
    throw Error("server limits must be > 0");
  const size_t threads = s.options.threads == 0 ? kDefaultThreads : s.options.threads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_keep_alive_max_count(kKeepAliveMaxRequests);
  s.http.set_keep_alive_timeout(kKeepAliveSeconds);
  s.http.set_read_timeout(kReadTimeoutSeconds);
  // Responses go out as a header write and a body write; without TCP_NODELAY, Nagle's
  // algorithm holds the second back until the client's delayed ACK (about 40 ms).
  s.http.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently take half the traffic. SO_REUSEADDR alone still allows a quick restart.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  const auto plain = [&s](const httplib::Request& req, httplib::Response& res) {
    s.reply(req, res, req.body);
  };
  const auto with_reader = [&s](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) {
    s.read_and_reply(req, res, reader);
  };
  // Catch-alls: Api::handle decides between a handler, 404 and 405.
  s.http.Get(".*", plain);
  s.http.Post(".*", with_reader);
  s.http.Put(".*", plain);
  s.http.Patch(".*", plain);
  s.http.Delete(".*", plain);
  s.http.Options(".*", plain);

  // Errors httplib raises itself (malformed request line, 413 on Content-Length, 414, ...)
  // get a JSON body too; responses that already have one are left alone.
  s.http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = reason(res.status);
        if (res.status == 413) message += " (see GET /metadata for the limits)";
        res.set_content(error_body(message), kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Api::handle catches everything; this is the last line should the adapter itself throw.
  s.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(error_body("internal error"), kJson);
      });
}

Server::~Server() = default;

int Server::bind() {
  Impl& s = *impl_;
  std::lock_guard lock(s.bind_mutex);
  if (s.port >= 0) return s.port;
  const std::string where = s.options.host + ":" + std::to_string(s.options.port);
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.host);
  } else if (s.http.bind_to_port(s.options.host, s.options.port)) {
    s.port = s.options.port;
  }
  if (s.port < 0)
    throw Error("cannot listen on " + where +
                ": the address is in use or not available on this machine");
  return s.port;
}

void Server::run() {
  Impl& s = *impl_;
  bind();
  // Published before stop_requested is read, and stop() sets stop_requested before it
  // reads in_run: whichever runs second sees the other's write (both are seq_cst).
  s.in_run = true;
  const bool clean = s.stop_requested || s.http.listen_once();
  s.in_run = false;
  if (!clean && !s.stop_requested)
    throw Error("server on port " + std::to_string(s.port) +
                " stopped: accepting a connection failed");
}

void Server::stop() {
  Impl& s = *impl_;
  s.stop_requested = true;
  // httplib ignores stop() until its accept loop has started, so when run() is between
  // checking stop_requested and starting that loop, wait for the loop to start.
  while (s.in_run && !s.http.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.http.stop();
}

}  // namespace sentiment::serve
