// The HTTP server end to end on loopback: every route, every kind of bad request (status and
// JSON error body), answers identical to Classifier::predict, many clients at once, a server
// that keeps serving after garbage, and prompt, race-free shutdown.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "explain/explain.h"
#include "explain/toy_classifier.h"
#include "kernels/cpu/gemm.h"
#include "serve/server.h"

namespace sentiment::serve {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBody = 64 << 10;
constexpr size_t kMaxTexts = 16;
// Shutdown with no open connection is a socket close and a thread join; a second leaves a
// wide margin for loaded CI machines and sanitizers, yet catches a wait for a timeout.
constexpr auto kPromptly = std::chrono::seconds(1);

Classifier make_classifier() {
  Classifier c = testing::random_classifier(3, /*maxlen=*/10);
  c.training_json = R"({"epochs": 3, "batch_size": 32})";
  c.metrics_json = R"({"test_accuracy": 0.875})";
  return c;
}

float predict_one(const Classifier& c, const std::string& text) {
  ThreadPool pool(1);
  const std::string_view v[] = {text};
  return c.predict(v, pool)[0];
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kernels::gemm_use_single_thread(); }

  void SetUp() override {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 8;
    o.max_body_bytes = kMaxBody;
    o.max_texts = kMaxTexts;
    server_ = std::make_unique<Server>(classifier_, o);
    port_ = server_->bind();
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    const auto t0 = Clock::now();
    server_->stop();
    thread_.join();
    EXPECT_LT(Clock::now() - t0, kPromptly) << "stop() and run() took too long to return";
  }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(60);  // sanitizer builds are slow
    // httplib's client writes headers and body separately; with Nagle's algorithm the body
    // waits for the server's delayed ACK, 40 ms a request.
    c->set_tcp_nodelay(true);
    return c;
  }

  httplib::Result post(const std::string& path, const std::string& body) const {
    return client()->Post(path.c_str(), body, "application/json");
  }

  const Classifier classifier_ = make_classifier();
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// The response has the status, is JSON, and for errors says something containing `words`.
Json expect_json(const httplib::Result& r, int status, const std::string& words = "") {
  EXPECT_TRUE(r) << "no response: " << httplib::to_string(r.error());
  if (!r) return {};
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  Json j = Json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r->body;
  if (status >= 400) {
    EXPECT_TRUE(j.contains("error") && j["error"].is_string()) << r->body;
    if (j.contains("error")) {
      EXPECT_NE(j["error"].get<std::string>().find(words), std::string::npos)
          << "expected '" << words << "' in " << r->body;
    }
  }
  return j;
}

TEST_F(ServerTest, Health) {
  const Json j = expect_json(client()->Get("/health"), 200);
  EXPECT_EQ(j, Json({{"status", "ok"}}));
  const auto head = client()->Head("/health");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(ServerTest, Metadata) {
  const Json j = expect_json(client()->Get("/metadata"), 200);
  EXPECT_EQ(j["model"]["vocab_size"], classifier_.model().config().vocab_size);
  EXPECT_EQ(j["model"]["embedding_dim"], 4);
  EXPECT_EQ(j["model"]["layers"][0]["units"], 5);
  EXPECT_EQ(j["model"]["layers"][0]["cell"], "lstm");
  EXPECT_EQ(j["model"]["parameters"], classifier_.model().params().size());
  EXPECT_EQ(j["vocabulary_size"], classifier_.vocabulary().num_words());
  EXPECT_EQ(j["maxlen"], 10);
  EXPECT_EQ(j["preprocessing"]["truncating"], "pre");
  EXPECT_EQ(j["labels"], Json({"negative", "positive"}));
  EXPECT_EQ(j["training"]["epochs"], 3);
  EXPECT_EQ(j["metrics"]["test_accuracy"], 0.875);
  EXPECT_EQ(j["limits"]["max_texts"], kMaxTexts);
  EXPECT_EQ(j["limits"]["max_body_bytes"], kMaxBody);
  // The default, or 1 where the server does not batch this model (batching_test.cc).
  EXPECT_TRUE(j["limits"]["max_batch"] == ServerOptions{}.max_batch ||
              j["limits"]["max_batch"] == 1)
      << j["limits"];
  EXPECT_EQ(j["limits"]["batch_wait_us"], ServerOptions{}.batch_wait.count());
  EXPECT_EQ(j["limits"]["max_queue"], ServerOptions{}.max_queue);
}

TEST_F(ServerTest, PredictOneText) {
  const std::string text = "A great film, don't miss it!";
  const Json j = expect_json(post("/predict", Json{{"text", text}}.dump()), 200);
  const float p = predict_one(classifier_, text);
  EXPECT_EQ(j["probability"].get<float>(), p);  // exactly: same computation
  EXPECT_EQ(j["label"], classifier_.label_for(p));
  ASSERT_EQ(j["predictions"].size(), 1u);
  EXPECT_EQ(j["predictions"][0]["probability"].get<float>(), p);
}

TEST_F(ServerTest, PredictBatch) {
  const std::vector<std::string> texts = {"great", "awful film", "the film was bad",
                                          "good good good", "zebra café ümlaut"};
  const Json j = expect_json(post("/predict", Json{{"texts", texts}}.dump()), 200);
  EXPECT_FALSE(j.contains("probability"));
  std::vector<std::string_view> views(texts.begin(), texts.end());
  ThreadPool pool(1);
  const std::vector<float> p = classifier_.predict(views, pool);
  ASSERT_EQ(j["predictions"].size(), texts.size());
  for (size_t k = 0; k < texts.size(); ++k) {
    EXPECT_EQ(j["predictions"][k]["probability"].get<float>(), p[k]) << k;
    EXPECT_EQ(j["predictions"][k]["label"], classifier_.label_for(p[k])) << k;
  }
}

TEST_F(ServerTest, Explain) {
  const std::string text = "zebra awful, great good film";
  const Json j = expect_json(post("/explain", Json{{"text", text}}.dump()), 200);
  ThreadPool pool(1);
  const Explanation e = explain(classifier_, text, pool);
  EXPECT_EQ(j["probability"].get<float>(), e.probability);
  EXPECT_EQ(j["label"], e.label);
  ASSERT_EQ(j["words"].size(), e.words.size());
  for (size_t k = 0; k < e.words.size(); ++k) {
    EXPECT_EQ(j["words"][k]["word"], e.words[k].word);
    EXPECT_EQ(j["words"][k]["index"], e.words[k].index);
    EXPECT_EQ(j["words"][k]["truncated"], e.words[k].truncated);
    EXPECT_EQ(j["words"][k]["contribution"].get<float>(), e.words[k].contribution);
  }
}

TEST_F(ServerTest, BadRequestsGetJsonErrors) {
  struct Case {
    std::string path, body;
    int status;
    std::string words;
  };
  const Case cases[] = {
      {"/predict", "{not json", 400, "invalid JSON"},
      {"/predict", "", 400, "invalid JSON"},
      {"/predict", R"(["text"])", 400, "JSON object"},
      {"/predict", R"({"txt": "great"})", 400, "missing field"},
      {"/predict", R"({"text": 5})", 400, "expected a string"},
      {"/predict", R"({"text": null})", 400, "got null"},
      {"/predict", R"({"texts": "great"})", 400, "expected an array"},
      {"/predict", R"({"texts": ["good", 3]})", 400, "\"texts\"[1]"},
      {"/predict", R"({"text": "  \n "})", 400, "empty"},
      {"/predict", R"({"texts": ["good", ""]})", 400, "\"texts\"[1] is empty"},
      {"/predict", R"({"texts": []})", 400, "empty"},
      {"/predict", R"({"text": "a", "texts": ["b"]})", 400, "both"},
      {"/predict", "{\"text\": \"bad \xff\xfe bytes\"}", 400, "UTF-8"},
      {"/predict", R"({"text": "lone \ud800 surrogate"})", 400, "invalid JSON"},
      {"/predict", std::string(20000, '[') + std::string(20000, ']'), 400, "JSON object"},
      {"/predict", Json{{"texts", std::vector<std::string>(kMaxTexts + 1, "good")}}.dump(), 413,
       "over the limit"},
      {"/explain", "{}", 400, "missing field"},
      {"/explain", R"({"text": ["great"]})", 400, "expected a string"},
      {"/explain", R"({"text": ""})", 400, "empty"},
      {"/nope", "{}", 404, "no route"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + " " + c.body.substr(0, 60));
    expect_json(post(c.path, c.body), c.status, c.words);
  }
  expect_json(client()->Get("/"), 404, "no route");
  expect_json(client()->Get("/predict/extra"), 404, "no route");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  auto r = client()->Get("/predict");
  expect_json(r, 405, "GET");
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
  r = post("/health", "{}");
  expect_json(r, 405, "POST");
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  expect_json(client()->Delete("/metadata"), 405, "DELETE");
  expect_json(client()->Put("/explain", "{}", "application/json"), 405, "PUT");
  expect_json(client()->Patch("/predict", "{}", "application/json"), 405, "PATCH");
  expect_json(client()->Options("/predict"), 405, "OPTIONS");
}

TEST_F(ServerTest, OversizedBodiesGet413) {
  const std::string big = Json{{"text", std::string(kMaxBody, 'a')}}.dump();
  expect_json(post("/predict", big), 413, "");
  // Chunked uploads carry no Content-Length; the server must count the bytes itself.
  auto chunked = client()->Post(
      "/predict",
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<size_t>(4096, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  // The whole body fits in loopback socket buffers, so the client always gets to read the
  // answer even though the server stops reading at the limit.
  ASSERT_TRUE(chunked) << httplib::to_string(chunked.error());
  expect_json(chunked, 413, "over the limit");
  // A body just under the limit is read whole.
  const std::string fits = Json{{"text", std::string(kMaxBody - 100, 'a')}}.dump();
  expect_json(post("/predict", fits), 200);
  expect_json(client()->Get("/health"), 200);
}

TEST_F(ServerTest, MultipartIs415) {
  const httplib::MultipartFormDataItems items = {{"text", "great", "", ""}};
  expect_json(client()->Post("/predict", items), 415, "multipart");
}

TEST_F(ServerTest, KeepsServingAfterGarbage) {
  for (const std::string& raw : {std::string("GARBAGE\r\n\r\n"), std::string("\x16\x03\x01\x02"),
                                 std::string("POST /predict HTTP/1.1\r\nContent-Length: 99\r\n"
                                             "\r\n{\"text\"")}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::send(fd, raw.data(), raw.size(), 0), static_cast<ssize_t>(raw.size()));
    ::shutdown(fd, SHUT_WR);  // the truncated body ends here
    char buf[512];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd);
  }
  expect_json(client()->Get("/health"), 200);
}

TEST_F(ServerTest, ConcurrentClientsGetCorrectAnswers) {
  constexpr int kThreads = 8, kRequests = 50;
  const std::vector<std::string> texts = {"great film", "awful, bad",  "the film was good",
                                          "zebra",      "don't watch", "good good bad great"};
  std::vector<float> expected;
  for (const auto& t : texts) expected.push_back(predict_one(classifier_, t));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // One keep-alive connection per thread, as a real client would hold.
      auto c = client();
      c->set_keep_alive(true);
      for (int r = 0; r < kRequests; ++r) {
        const size_t k = static_cast<size_t>(t * kRequests + r) % texts.size();
        const auto res = c->Post("/predict", Json{{"text", texts[k]}}.dump(), "application/json");
        if (!res || res->status != 200) continue;
        const Json j = Json::parse(res->body, nullptr, false);
        if (!j.is_discarded() && j["probability"].get<float>() == expected[k]) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, kThreads * kRequests);
}

TEST(ServerLifecycle, StopBeforeRunReturnsAtOnce) {
  const Classifier c = make_classifier();
  ServerOptions o;
  o.port = 0;
  Server server(c, o);
  EXPECT_GT(server.bind(), 0);
  server.stop();
  const auto t0 = Clock::now();
  server.run();
  EXPECT_LT(Clock::now() - t0, kPromptly);
}

// stop() racing with run()'s start must never leave run() blocked.
TEST(ServerLifecycle, StopRightAfterStartNeverHangs) {
  const Classifier c = make_classifier();
  for (int k = 0; k < 20; ++k) {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    Server server(c, o);
    std::thread t([&] { server.run(); });
    if (k % 2) std::this_thread::sleep_for(std::chrono::microseconds(100 * k));
    server.stop();
    t.join();
  }
}

TEST(ServerLifecycle, BusyPortAndBadOptionsThrow) {
  const Classifier c = make_classifier();
  ServerOptions o;
  o.port = 0;
  Server first(c, o);
  o.port = first.bind();
  Server second(c, o);
  EXPECT_THROW(second.bind(), Error);
  o.port = 70000;
  EXPECT_THROW(Server(c, o), Error);
  o.port = 0;
  o.max_texts = 0;
  EXPECT_THROW(Server(c, o), Error);
}

}  // namespace
}  // namespace sentiment::serve
