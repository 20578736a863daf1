// The server against slow and hostile clients, over raw sockets: requests it must answer at
// once without waiting for a body (411, 413), numbers JSON cannot hold (400), slow-loris
// connections that must neither starve /health nor outlive the header deadline, the
// connection limit (503 with Retry-After), and hundreds of concurrent connections.
// Deadlines here are liveness bounds with wide margins, not performance claims.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "explain/toy_classifier.h"
#include "kernels/cpu/gemm.h"
#include "raw_client.h"
#include "serve/server.h"

namespace sentiment::serve {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::RawClient;
using testing::RawResponse;

constexpr size_t kMaxBody = 64 << 10;
// What "at once" means for an answer that needs no body: far below any timeout the server
// has (1 s here, 10 s by default), far above a loaded machine's scheduling delays.
constexpr auto kAtOnce = milliseconds(1000);
// How long a test waits for an answer that must come before it gives up.
constexpr auto kPatience = milliseconds(10000);

class Running {
 public:
  Running(const Classifier& c, ServerOptions o) : server_(c, o) {
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  Server server_;
  std::thread thread_;
  int port_ = 0;
};

ServerOptions options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 8;
  o.max_body_bytes = kMaxBody;
  o.header_timeout = milliseconds(1000);
  o.body_timeout = milliseconds(2000);
  o.keep_alive_timeout = milliseconds(1000);
  return o;
}

std::string post(const std::string& body, bool keep_alive = true) {
  return "POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + (keep_alive ? "" : "\r\nConnection: close") + "\r\n\r\n" +
         body;
}

constexpr const char* kHealth = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

class HostileClients : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kernels::gemm_use_single_thread(); }
  const Classifier classifier_ = testing::toy_classifier();
};

TEST_F(HostileClients, NumberOverflowIs400) {
  Running s(classifier_, options());
  RawClient c(s.port());
  ASSERT_TRUE(c.send(post(R"({"text":"good","x":1e999999})")));
  const RawResponse r = c.read_response(kPatience);
  EXPECT_EQ(r.status, 400) << r.headers << r.body;
  EXPECT_NE(r.body.find("invalid JSON"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("number overflow"), std::string::npos) << r.body;
  // The connection stays usable.
  ASSERT_TRUE(c.send(kHealth));
  EXPECT_EQ(c.read_response(kPatience).status, 200);
}

TEST_F(HostileClients, PostWithoutLengthIs411AtOnce) {
  Running s(classifier_, options());
  RawClient c(s.port());
  const auto t0 = Clock::now();
  ASSERT_TRUE(c.send("POST /predict HTTP/1.1\r\nHost: test\r\n\r\n"));
  const RawResponse r = c.read_response(kPatience);
  EXPECT_LT(Clock::now() - t0, kAtOnce);
  EXPECT_EQ(r.status, 411) << r.headers << r.body;
  EXPECT_NE(r.body.find("Content-Length"), std::string::npos) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
}

TEST_F(HostileClients, LengthOverLimitIs413AtOnce) {
  Running s(classifier_, options());
  RawClient c(s.port());
  const auto t0 = Clock::now();
  ASSERT_TRUE(c.send("POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: " +
                     std::to_string(kMaxBody + 1) + "\r\n\r\n"));
  const RawResponse r = c.read_response(kPatience);
  EXPECT_LT(Clock::now() - t0, kAtOnce);
  EXPECT_EQ(r.status, 413) << r.headers << r.body;
  EXPECT_NE(r.body.find("over the limit"), std::string::npos) << r.body;
}

TEST_F(HostileClients, SlowLorisNeitherStarvesHealthNorOutlivesHeaderDeadline) {
  Running s(classifier_, options());
  constexpr int kLoris = 40;
  std::vector<std::unique_ptr<RawClient>> loris;
  for (int k = 0; k < kLoris; ++k) {
    loris.push_back(std::make_unique<RawClient>(s.port()));
    ASSERT_TRUE(loris.back()->connected());
  }
  // Each sends its header one byte every 50 ms: 100 bytes would take 5 s, far past the 1 s
  // header deadline; a per-byte read timeout would never fire.
  const std::string header =
      "POST /predict HTTP/1.1\r\nHost: test\r\nX-Slow: " + std::string(50, 'z') +
      "\r\nContent-Length: 2\r\n\r\n{}";
  std::atomic<bool> done{false};
  std::thread trickler([&] {
    for (size_t at = 0; at < header.size() && !done; ++at) {
      for (auto& c : loris) c->send(std::string_view(header).substr(at, 1));
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  for (int k = 0; k < 5; ++k) {
    RawClient c(s.port());
    const auto t0 = Clock::now();
    ASSERT_TRUE(c.send(kHealth));
    const RawResponse r = c.read_response(kPatience);
    EXPECT_LT(Clock::now() - t0, kAtOnce) << "request " << k;
    EXPECT_EQ(r.status, 200) << "request " << k;
    std::this_thread::sleep_for(milliseconds(100));
  }
  // The 1 s header deadline closes every one of them (408 or a plain close).
  int closed = 0;
  for (auto& c : loris) closed += c->wait_closed(milliseconds(4000)) ? 1 : 0;
  done = true;
  trickler.join();
  EXPECT_EQ(closed, kLoris);
}

TEST_F(HostileClients, ConnectionsOverTheLimitGet503WithRetryAfter) {
  ServerOptions o = options();
  o.max_connections = 4;
  o.header_timeout = milliseconds(20000);
  o.keep_alive_timeout = milliseconds(20000);
  Running s(classifier_, o);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int k = 0; k < 4; ++k) {
    held.push_back(std::make_unique<RawClient>(s.port()));
    // A request answered proves the server has accepted and counted the connection.
    ASSERT_TRUE(held.back()->send(kHealth));
    ASSERT_EQ(held.back()->read_response(kPatience).status, 200) << k;
  }
  RawClient extra(s.port());
  ASSERT_TRUE(extra.connected());
  RawResponse r = extra.read_response(kPatience);
  EXPECT_EQ(r.status, 503) << r.headers << r.body;
  EXPECT_FALSE(r.header("Retry-After").empty()) << r.headers;
  EXPECT_NE(r.body.find("too many connections"), std::string::npos) << r.body;
  EXPECT_TRUE(extra.wait_closed(kPatience));
  // Closing one frees its place.
  held.pop_back();
  const auto deadline = Clock::now() + kPatience;
  int status = 0;
  while (status != 200 && Clock::now() < deadline) {
    RawClient again(s.port());
    again.send(kHealth);
    status = again.read_response(kPatience).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HostileClients, HundredsOfConcurrentConnectionsAllServed) {
  ServerOptions o = options();
  o.threads = 4;
  Running s(classifier_, o);
  constexpr int kConnections = 256, kRequests = 3;
  // Every connection is open before any sends, and stays open (idle, keep-alive) until all
  // are done: a server with a thread per connection cannot serve them all.
  std::latch connected(kConnections), finished(kConnections);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kConnections; ++t)
    clients.emplace_back([&] {
      RawClient c(s.port());
      connected.arrive_and_wait();
      for (int r = 0; r < kRequests && c.connected(); ++r) {
        if (!c.send(post(R"({"text": "a great good film"})"))) break;
        const RawResponse res = c.read_response(kPatience);
        if (res.status == 200 && res.body.find("\"label\"") != std::string::npos) ++ok;
      }
      finished.arrive_and_wait();
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok, kConnections * kRequests);
}

std::string hex(size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

// Framing the parser must get right: chunked bodies, pipelined requests, 100-continue.
TEST_F(HostileClients, ChunkedPipelinedAndContinue) {
  Running s(classifier_, options());
  RawClient c(s.port());
  const std::string body = R"({"text": "great film"})";
  ASSERT_TRUE(
      c.send("POST /predict HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\n" +
             body.substr(0, 5) + "\r\n" + hex(body.size() - 5) + ";ext=1\r\n" + body.substr(5) +
             "\r\n0\r\n\r\n" + kHealth));
  RawResponse r = c.read_response(kPatience);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"label\""), std::string::npos) << r.body;
  EXPECT_EQ(c.read_response(kPatience).status, 200);  // the pipelined /health

  ASSERT_TRUE(
      c.send("POST /predict HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(c.read_response(kPatience).status, 100);
  ASSERT_TRUE(c.send(body));
  EXPECT_EQ(c.read_response(kPatience).status, 200);

  ASSERT_TRUE(
      c.send("GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
             "Transfer-Encoding: chunked\r\n\r\n"));
  r = c.read_response(kPatience);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed(kPatience));
}

}  // namespace
}  // namespace sentiment::serve
