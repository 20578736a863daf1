// The HTTP/1.1 request parser without sockets: the same request fed whole and a byte at a
// time, chunked bodies, pipelining, and each framing error with its status, decided before
// the bytes it would otherwise wait for.
#include <gtest/gtest.h>

#include <string>

#include "serve/request_parser.h"

namespace sentiment::serve {
namespace {

using State = RequestParser::State;

constexpr size_t kMaxBody = 100;

// Feeds `raw` in pieces of `step` bytes; returns the final state.
State feed(RequestParser& p, const std::string& raw, size_t step, std::string& in) {
  State s = p.state();
  for (size_t at = 0; at < raw.size(); at += step) {
    in.append(raw, at, step);
    s = p.parse(in);
  }
  return s;
}

TEST(RequestParser, WholeOrByteByByteGivesTheSameRequest) {
  const std::string raw =
      "\r\nPOST /pre%64ict?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length:  5 \r\n"
      "Connection: keep-alive\r\nContent-Type: application/json\r\n\r\n{\"a\"}";
  for (const size_t step : {raw.size(), size_t{1}, size_t{7}}) {
    SCOPED_TRACE(step);
    RequestParser p(kMaxBody);
    std::string in;
    ASSERT_EQ(feed(p, raw, step, in), State::kDone);
    EXPECT_EQ(p.request().method, "POST");
    EXPECT_EQ(p.request().path, "/predict");
    EXPECT_EQ(p.request().body, "{\"a\"}");
    EXPECT_TRUE(p.request().keep_alive);
    EXPECT_FALSE(p.request().multipart);
    EXPECT_TRUE(in.empty());
  }
}

TEST(RequestParser, HeaderThenBodyStates) {
  RequestParser p(kMaxBody);
  std::string in = "POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n";
  EXPECT_EQ(p.parse(in), State::kHeader);
  EXPECT_TRUE(p.started());
  in += "\r\nab";
  EXPECT_EQ(p.parse(in), State::kBody);
  EXPECT_TRUE(p.expects_continue());
  in += "cdGET";
  EXPECT_EQ(p.parse(in), State::kDone);
  EXPECT_EQ(p.request().body, "abcd");
  EXPECT_EQ(in, "GET");  // the next request's first bytes stay
  p.reset();
  in += " /health HTTP/1.0\r\n\r\n";
  EXPECT_EQ(p.parse(in), State::kDone);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_FALSE(p.request().keep_alive);  // HTTP/1.0 without Connection: keep-alive
}

TEST(RequestParser, ChunkedBodies) {
  const std::string raw =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "3\r\nabc\r\nA;name=v\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (const size_t step : {raw.size(), size_t{1}}) {
    RequestParser p(kMaxBody);
    std::string in;
    ASSERT_EQ(feed(p, raw, step, in), State::kDone) << p.error_message();
    EXPECT_EQ(p.request().body, "abc0123456789");
  }
}

TEST(RequestParser, ErrorsAndTheirStatus) {
  struct Case {
    std::string raw;
    int status;
  };
  const std::string big = std::to_string(kMaxBody + 1);
  const Case cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET /a HTTP/2.0\r\n\r\n", 505},
      {"GET a HTTP/1.1\r\n\r\n", 400},
      {"GET /%zz HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\n\r\n", 411},
      {"POST / HTTP/1.1\r\nContent-Length: " + big + "\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", 413},  // 101 bytes
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", 400},
      {"GET /" + std::string(kMaxRequestLineBytes, 'a'), 414},
      {"GET / HTTP/1.1\r\nA: " + std::string(kMaxHeaderBytes, 'a'), 431},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.raw.substr(0, 80));
    RequestParser p(kMaxBody);
    std::string in = c.raw;
    EXPECT_EQ(p.parse(in), State::kFailed);
    EXPECT_EQ(p.error_status(), c.status) << p.error_message();
    EXPECT_FALSE(p.error_message().empty());
    EXPECT_FALSE(p.request().keep_alive);
  }
}

TEST(RequestParser, ChunkedLimitCountsEveryChunk) {
  RequestParser p(kMaxBody);
  std::string in = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int k = 0; k < 3; ++k) in += "28\r\n" + std::string(40, 'x') + "\r\n";  // 120 bytes
  EXPECT_EQ(p.parse(in), State::kFailed);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(RequestParser, MultipartIsFlagged) {
  RequestParser p(kMaxBody);
  std::string in =
      "POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
      "Content-Length: 0\r\n\r\n";
  EXPECT_EQ(p.parse(in), State::kDone);
  EXPECT_TRUE(p.request().multipart);
}

}  // namespace
}  // namespace sentiment::serve
