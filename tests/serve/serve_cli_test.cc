// `sentiment serve` as a user runs it: it prints the URL with the port it bound (also for
// --port 0), answers on it, and stops cleanly with exit status 0 on SIGINT and SIGTERM, also
// while a client is trickling a request.
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "explain/toy_classifier.h"
#include "io/model_file.h"
#include "raw_client.h"
#include "support/run_cli.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Loading a tiny model and binding take milliseconds; the margins are for sanitizer builds.
constexpr int kStartTimeoutMs = 30000;
constexpr auto kExitTimeout = std::chrono::seconds(10);

class ServeProcess {
 public:
  explicit ServeProcess(const fs::path& model) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(SENTIMENT_BIN, SENTIMENT_BIN, "serve", model.c_str(), "--port", "0", "--threads", "4",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  // Reads output until `text` appears or the timeout passes; returns everything read.
  std::string read_until(const std::string& text, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (output_.find(text) == std::string::npos && Clock::now() < deadline) {
      pollfd p = {out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<size_t>(n));
    }
    return output_;
  }

  // Exit status after the process ends, or -1 when it did not end within the timeout.
  int wait_exit(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        read_until("\x01", 200);  // drain what is left
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string output_;
};

fs::path save_toy_model() {
  const fs::path path =
      fs::temp_directory_path() / ("sentiment-serve-cli-" + std::to_string(::getpid()) + ".model");
  save_model(path, testing::toy_classifier());
  return path;
}

int port_from(const std::string& output) {
  const std::string marker = "http://127.0.0.1:";
  const size_t at = output.find(marker);
  return at == std::string::npos ? -1 : std::stoi(output.substr(at + marker.size()));
}

TEST(ServeCli, PrintsItsPortServesAndStopsOnSignals) {
  const fs::path model = save_toy_model();
  for (const int sig : {SIGINT, SIGTERM}) {
    ServeProcess p(model);
    ASSERT_GT(p.pid(), 0);
    const std::string started = p.read_until("Ctrl-C", kStartTimeoutMs);
    const int port = port_from(started);
    ASSERT_GT(port, 0) << started;

    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30);
    auto r = client.Get("/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    r = client.Post("/predict", R"({"text": "great good film"})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(nlohmann::json::parse(r->body)["label"], "positive");

    ::kill(p.pid(), sig);
    EXPECT_EQ(p.wait_exit(kExitTimeout), 0) << p.read_until("", 0);
    EXPECT_NE(p.read_until("Stopped", 1000).find("Stopped by signal"), std::string::npos);
  }
  fs::remove(model);
}

// docs/serve.md promises shutdown in about 2 s; a client sending its header a byte at a time
// must not hold the process (a per-byte read timeout would keep it for as long as it trickles).
TEST(ServeCli, SigtermStopsPromptlyDespiteATricklingClient) {
  constexpr auto kPromptExit = std::chrono::seconds(3);
  const fs::path model = save_toy_model();
  ServeProcess p(model);
  ASSERT_GT(p.pid(), 0);
  const std::string started = p.read_until("Ctrl-C", kStartTimeoutMs);
  const int port = port_from(started);
  ASSERT_GT(port, 0) << started;

  testing::RawClient slow(port);
  ASSERT_TRUE(slow.connected());
  const std::string header =
      "POST /predict HTTP/1.1\r\nHost: test\r\nX-Slow: " + std::string(200, 'z') + "\r\n";
  std::atomic<bool> done{false};
  std::thread trickler([&] {
    for (size_t at = 0; at < header.size() && !done; ++at) {
      if (!slow.send(std::string_view(header).substr(at, 1))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the request is under way
  ::kill(p.pid(), SIGTERM);
  const int status = p.wait_exit(kPromptExit);
  done = true;
  trickler.join();
  EXPECT_EQ(status, 0) << p.read_until("", 0);
  fs::remove(model);
}

TEST(ServeCli, BusyPortIsAnError) {
  const fs::path model = save_toy_model();
  ServeProcess first(model);
  const int port = port_from(first.read_until("Ctrl-C", kStartTimeoutMs));
  ASSERT_GT(port, 0);
  const testing::CliResult r =
      testing::run_cli("serve " + model.string() + " --port " + std::to_string(port));
  const std::string& out = r.output;
  EXPECT_EQ(r.status, 1) << out;
  EXPECT_NE(out.find("error: cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << out;
  fs::remove(model);
}

}  // namespace
}  // namespace sentiment
