// The event loop and the worker pool. One thread accepts and drives every connection with
// epoll (reads under per-phase deadlines, limits, writes), so a slow or hostile client costs
// a socket and some bytes, never a thread; complete requests go through one bounded queue to
// the workers, which answer them and pass the encoded response back through an eventfd. A
// worker takes every /predict request queued (up to max_batch texts, waiting up to
// batch_wait for more) and runs their texts as one forward pass, which costs far less per
// text than one pass each. Only models whose rows do not depend on their batch are batched
// (Api::max_batch), so every text's probabilities are still those it gets alone.
#include "serve/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "serve/api.h"
#include "serve/connection.h"

namespace sentiment::serve {
namespace {

// epoll ids of the two descriptors that are not connections.
constexpr uint64_t kListenId = 0, kWakeId = 1;
// Connections over the limit still being told 503 at once; beyond this they are just closed.
constexpr size_t kMaxRejecting = 64;
constexpr int kRetryAfterSeconds = 1;
// Deadlines are checked this often, so they fire up to this late.
constexpr auto kTick = std::chrono::milliseconds(50);
// After accept() runs out of descriptors, listening pauses this long (the pending connection
// would otherwise wake the loop again at once).
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

struct Job {
  uint64_t id;
  int fd;  // the connection's socket, which the loop leaves alone until the Done comes back
  Request request;
  uint64_t seq = 0;  // arrival order across the two queues
};

// A /predict request taken into a batch, validated and encoded.
struct Batched {
  Job job;
  PreparedPredict prepared;
};

bool batchable(const Request& r) {
  return r.method == "POST" && r.path == "/predict" && !r.multipart;
}

struct Done {
  uint64_t id;
  std::string response;  // what is left to send (all of it unless `sent`)
  bool keep_alive;
  bool sent;  // the worker sent the whole response and re-armed the socket for reading
};

}  // namespace

size_t default_threads() {
  return std::max<size_t>(2, std::thread::hardware_concurrency());
}

struct Server::Impl {
  Impl(const Classifier& classifier, ServerOptions o)
      : options(std::move(o)),
        api(classifier, {options.max_body_bytes, options.max_texts, options.max_batch,
                         static_cast<size_t>(std::max<int64_t>(0, options.batch_wait.count())),
                         options.max_queue}) {}

  ~Impl() {
    for (const int fd : {listen_fd, epoll_fd, wake_fd})
      if (fd >= 0) ::close(fd);
  }

  void wake() const {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  void work() {
    std::unique_lock lock(mutex);
    for (;;) {
      // Idle workers leave /predict requests to a worker gathering a batch.
      cv.wait(lock, [&] {
        return !jobs.empty() || (!predicts.empty() && !gathering) ||
               (workers_exit && predicts.empty());
      });
      if (!jobs.empty() &&
          (predicts.empty() || gathering || jobs.front().seq < predicts.front().seq)) {
        Job job = std::move(jobs.front());
        jobs.pop_front();
        lock.unlock();
        answer(job);
        lock.lock();
      } else if (!predicts.empty()) {
        run_batch(lock);
      } else {
        return;  // workers_exit, nothing left
      }
    }
  }

  void answer(const Job& job) {
    const Request& r = job.request;
    try {
      finish(job, r.multipart ? ApiResponse{415,
                                            error_body("multipart bodies are not accepted: send "
                                                       "a JSON object"),
                                            ""}
                              : api.handle(r.method, r.path, r.body));
    } catch (...) {  // only allocation can throw here; Api::handle itself never does
      finish(job, {}, /*out_of_memory=*/true);
    }
  }

  // Takes the queued /predict requests (more as they come, within batch_wait) up to max_batch
  // texts, and answers them from one forward pass. Called and returns with `lock` held.
  void run_batch(std::unique_lock<std::mutex>& lock) {
    gathering = true;
    std::vector<Batched> batch;
    size_t texts = 0;
    const Clock::time_point until = Clock::now() + options.batch_wait;
    for (;;) {
      while (!predicts.empty() && texts < api.max_batch()) {
        Batched b{std::move(predicts.front()), {}};
        predicts.pop_front();
        lock.unlock();
        // Parsed here, outside the lock: a bad request is answered at once and takes no
        // part in the batch.
        if (const std::optional<ApiResponse> error =
                api.prepare_predict(b.job.request.body, b.prepared)) {
          finish(b.job, *error);
        } else {
          texts += b.prepared.texts;
          batch.push_back(std::move(b));
        }
        lock.lock();
      }
      if (texts >= api.max_batch() || batch.empty() || options.batch_wait.count() == 0 ||
          workers_exit || stop_requested)
        break;
      if (!gather_cv.wait_until(
              lock, until, [&] { return !predicts.empty() || workers_exit || stop_requested; }))
        break;
    }
    gathering = false;
    if (workers_exit) {
      cv.notify_all();
    } else if (!predicts.empty()) {
      cv.notify_one();
    }
    if (batch.empty()) return;
    ++stats.predict_batches;
    stats.predict_requests += batch.size();
    stats.predict_texts += texts;
    stats.largest_batch = std::max<uint64_t>(stats.largest_batch, batch.size());
    lock.unlock();
    predict_batch(batch, texts);
    lock.lock();
  }

  void predict_batch(std::vector<Batched>& batch, size_t texts) {
    std::optional<ApiResponse> failed;
    std::vector<float> probs;
    try {
      std::vector<int32_t> rows;
      if (batch.size() == 1) {
        rows = std::move(batch[0].prepared.rows);
      } else {
        rows.reserve(batch[0].prepared.rows.size() / batch[0].prepared.texts * texts);
        for (const Batched& b : batch)
          rows.insert(rows.end(), b.prepared.rows.begin(), b.prepared.rows.end());
      }
      probs = api.probabilities(rows);
    } catch (const std::bad_alloc&) {
      failed = ApiResponse{503, error_body("out of memory: try fewer or shorter texts"), ""};
    }
    const size_t K = api.num_classes();
    size_t offset = 0;
    for (const Batched& b : batch) {
      if (failed) {
        finish(b.job, *failed);
        continue;
      }
      const size_t n = b.prepared.texts * K;
      finish(b.job,
             api.answer_predict(b.prepared, std::span<const float>(probs).subspan(offset, n)));
      offset += n;
    }
  }

  // Encodes the answer to `job` and sends it (or hands it to the loop).
  void finish(const Job& job, const ApiResponse& a, bool out_of_memory = false) {
    const Request& r = job.request;
    Done done{job.id, "", r.keep_alive && !stop_requested && !out_of_memory, false};
    try {
      if (out_of_memory) throw std::bad_alloc();
      done.response =
          format_response(a.status, a.body, a.allow, done.keep_alive, r.method == "HEAD");
    } catch (...) {
      done.keep_alive = false;
      done.response = format_response(503, "{\"error\":\"out of memory\"}", "", false);
    }
    send_or_hand_back(job.id, job.fd, std::move(done));
  }

  // The usual answer fits the socket buffer: the worker sends it and re-arms the socket for
  // the next request itself, and the loop learns of it when it next wakes (at the latest with
  // that request), which saves a wake-up of the loop per request. Otherwise (a partial send,
  // or a connection to close) the loop finishes the job.
  void send_or_hand_back(uint64_t id, int fd, Done done) {
    size_t sent = 0;
    if (done.keep_alive) {
      while (sent < done.response.size()) {
        const ssize_t n = ::send(fd, done.response.data() + sent, done.response.size() - sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
    }
    const bool all_sent = done.keep_alive && sent == done.response.size();
    done.sent = all_sent;
    done.response.erase(0, sent);
    {
      // Queued before the socket is re-armed, so the loop sees the Done no later than the
      // next request's readiness.
      std::lock_guard lock(mutex);
      finished.push_back(std::move(done));
      has_finished = true;
    }
    if (all_sent) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = id;
      // Should this fail (no kernel memory), the connection is never read again and its
      // keep-alive deadline closes it.
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      return;
    }
    wake();
  }

  void watch(Connection& c, uint64_t id) const {
    const uint32_t want = c.wants_read()    ? uint32_t{EPOLLIN}
                          : c.wants_write() ? uint32_t{EPOLLOUT}
                                            : 0u;
    if (want == c.registered) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = id;
    // A connection with a worker is taken off epoll entirely: a hang-up would otherwise be
    // reported on every wait until the answer is ready.
    const int op = c.registered == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (::epoll_ctl(epoll_fd, op, c.fd(), &ev) == 0) c.registered = want;
  }

  // Brings the connection's epoll registration in line with its phase, queues its request if
  // `ready` (or answers it 503 when the queue is full), and forgets it once closed.
  void settle(uint64_t id, bool ready) {
    for (;;) {
      const auto it = connections.find(id);
      Connection& c = *it->second;
      if (c.phase() == Connection::Phase::kClosed) {
        if (c.rejected) --rejecting;
        connections.erase(it);
        return;
      }
      // Off epoll before a worker can have it: the worker re-arms the socket when it is done.
      watch(c, id);
      if (!ready) return;
      Request r = c.take_request();
      if (enqueue(id, c.fd(), r)) return;
      // The request was read whole, so the connection stays usable; a pipelined request
      // behind it may be complete already, and goes round again.
      const bool keep_alive = r.keep_alive && !stop_requested;
      ready = c.respond(
          format_response(503,
                          error_body("server busy: the request queue is full (limit " +
                                     std::to_string(options.max_queue) + "): retry later"),
                          "", keep_alive, r.method == "HEAD", kRetryAfterSeconds),
          keep_alive, Clock::now());
    }
  }

  // Queues a complete request for the workers; false (and `r` untouched) when the queue is
  // full.
  bool enqueue(uint64_t id, int fd, Request& r) {
    const bool predict = batchable(r);
    bool to_gatherer = false;
    {
      std::lock_guard lock(mutex);
      if (jobs.size() + predicts.size() >= options.max_queue) {
        ++stats.queue_full;
        return false;
      }
      (predict ? predicts : jobs).push_back({id, fd, std::move(r), next_seq++});
      to_gatherer = predict && gathering;
    }
    if (to_gatherer) {
      gather_cv.notify_one();
    } else {
      cv.notify_one();
    }
    return true;
  }

  void accept_all(Clock::time_point now) {
    for (int k = 0; k < 256; ++k) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
          accept_paused_until = now + kAcceptPause;
          return;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        continue;  // ECONNABORTED and the like: that client is gone, others may be waiting
      }
      const int yes = 1;
      // Responses go out in one write, but a 100 Continue before a body would otherwise
      // wait for the client's delayed ACK.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      const bool over = connections.size() - rejecting >= options.max_connections;
      if (over && rejecting >= kMaxRejecting) {
        ::close(fd);
        continue;
      }
      const uint64_t id = next_id++;
      auto c = std::make_unique<Connection>(fd, deadlines, options.max_body_bytes, now);
      Connection& conn = *c;
      connections.emplace(id, std::move(c));
      if (over) {
        conn.rejected = true;
        ++rejecting;
        conn.respond(
            format_response(503,
                            error_body("too many connections (limit " +
                                       std::to_string(options.max_connections) + "): retry later"),
                            "", false, false, kRetryAfterSeconds),
            false, now);
      }
      settle(id, false);
    }
  }

  void answer_finished(Clock::time_point now) {
    if (!has_finished.exchange(false)) return;
    std::vector<Done> batch;
    {
      std::lock_guard lock(mutex);
      batch.swap(finished);
    }
    for (Done& d : batch) {
      const auto it = connections.find(d.id);
      if (it == connections.end()) continue;
      Connection& c = *it->second;
      if (d.sent) {
        c.registered = EPOLLIN;  // the worker re-armed it
        settle(d.id, c.answered(now));
      } else {
        settle(d.id, c.respond(std::move(d.response), d.keep_alive, now));
      }
    }
  }

  void check_deadlines(Clock::time_point now) {
    std::vector<uint64_t> due;
    for (const auto& [id, c] : connections)
      if (c->deadline() <= now) due.push_back(id);
    for (const uint64_t id : due) {
      connections.at(id)->on_deadline(now);
      settle(id, false);
    }
    if (accept_paused_until != Clock::time_point{} && now >= accept_paused_until &&
        listen_fd >= 0) {
      accept_paused_until = {};
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kListenId;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
    }
  }

  void begin_stop(Clock::time_point now) {
    ::close(listen_fd);
    listen_fd = -1;
    std::vector<uint64_t> ids;
    for (const auto& [id, c] : connections) ids.push_back(id);
    for (const uint64_t id : ids) {
      connections.at(id)->stop();
      settle(id, false);
    }
    // A worker waiting for its batch to fill runs it now. Taking the lock orders this after
    // its last look at stop_requested, so the wake-up cannot be lost.
    { std::lock_guard lock(mutex); }
    gather_cv.notify_all();
    // Requests already with a worker, and their answers, get one body timeout to finish.
    stop_deadline = now + deadlines.body;
  }

  void loop() {
    epoll_event events[256];
    bool stopping = false;
    Clock::time_point next_tick = Clock::now() + kTick;
    for (;;) {
      Clock::time_point now = Clock::now();
      if (stop_requested && !stopping) {
        stopping = true;
        begin_stop(now);
      }
      if (stopping && (connections.empty() || now >= stop_deadline)) return;
      const int timeout = connections.empty() && accept_paused_until == Clock::time_point{}
                              ? -1
                              : static_cast<int>(kTick.count());
      const int n = ::epoll_wait(epoll_fd, events, 256, timeout);
      if (n < 0 && errno != EINTR)
        throw Error(std::string("server event loop failed: ") + std::strerror(errno));
      now = Clock::now();
      // Before the connections' events: a worker may have answered and re-armed one of them.
      answer_finished(now);
      for (int k = 0; k < n; ++k) {
        const uint64_t id = events[k].data.u64;
        if (id == kListenId) {
          if (listen_fd >= 0) accept_all(now);
        } else if (id == kWakeId) {
          uint64_t count = 0;
          [[maybe_unused]] const ssize_t r = ::read(wake_fd, &count, sizeof count);
        } else if (const auto it = connections.find(id); it != connections.end()) {
          Connection& c = *it->second;
          if (c.phase() == Connection::Phase::kBusy) continue;
          bool ready = false;
          if (c.wants_write()) ready = c.on_writable(now);
          if (!ready && c.wants_read()) ready = c.on_readable(now);
          settle(id, ready);
        }
      }
      if (now >= next_tick) {
        check_deadlines(now);
        next_tick = now + kTick;
      }
    }
  }

  void stop_workers() {
    {
      std::lock_guard lock(mutex);
      workers_exit = true;
    }
    cv.notify_all();
    gather_cv.notify_all();
    for (std::thread& t : workers) t.join();
    workers.clear();
  }

  ServerOptions options;
  Api api;
  Deadlines deadlines{};
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  std::mutex bind_mutex;
  int port = -1;
  std::atomic<bool> stop_requested{false};

  // Event loop state (its thread only).
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
  size_t rejecting = 0;
  uint64_t next_id = 2;
  Clock::time_point accept_paused_until{};
  Clock::time_point stop_deadline{};

  // Shared with the workers, under `mutex`.
  std::mutex mutex;
  std::condition_variable cv;         // idle workers
  std::condition_variable gather_cv;  // the worker gathering a batch
  std::deque<Job> jobs;               // every request but /predict, in order
  std::deque<Job> predicts;           // /predict requests, in order
  uint64_t next_seq = 0;
  bool gathering = false;  // a worker is taking /predict requests into a batch
  ServerStats stats;
  std::vector<Done> finished;
  std::atomic<bool> has_finished{false};  // `finished` is not empty (read without the lock)
  bool workers_exit = false;
  std::vector<std::thread> workers;
};

Server::Server(const Classifier& classifier, ServerOptions options)
    : impl_(std::make_unique<Impl>(classifier, std::move(options))) {
  Impl& s = *impl_;
  const ServerOptions& o = s.options;
  if (o.port < 0 || o.port > 65535)
    throw Error("port: got " + std::to_string(o.port) + ", expected 0 to 65535");
  if (o.max_body_bytes == 0 || o.max_texts == 0 || o.max_connections == 0 || o.max_batch == 0 ||
      o.max_queue == 0)
    throw Error("server limits must be > 0");
  if (o.batch_wait.count() < 0) throw Error("batch wait must be >= 0");
  if (o.header_timeout.count() <= 0 || o.body_timeout.count() <= 0 ||
      o.keep_alive_timeout.count() <= 0)
    throw Error("server timeouts must be > 0");
  s.deadlines = {o.header_timeout, o.body_timeout, o.keep_alive_timeout};
  // Created here, not in run(), so that stop() can always wake the loop.
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.wake_fd < 0) throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
}

Server::~Server() = default;

int Server::bind() {
  Impl& s = *impl_;
  std::lock_guard lock(s.bind_mutex);
  if (s.port >= 0) return s.port;
  const std::string where = s.options.host + ":" + std::to_string(s.options.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(s.options.port);
  if (::getaddrinfo(s.options.host.c_str(), service.c_str(), &hints, &found) == 0) {
    for (addrinfo* a = found; a && s.listen_fd < 0; a = a->ai_next) {
      const int fd =
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      // SO_REUSEADDR allows a quick restart; SO_REUSEPORT is left off, since it would let a
      // second server bind the same port and silently take half the traffic.
      const int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
        s.listen_fd = fd;
      } else {
        ::close(fd);
      }
    }
    ::freeaddrinfo(found);
  }
  if (s.listen_fd < 0)
    throw Error("cannot listen on " + where +
                ": the address is in use or not available on this machine");
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  s.port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return s.port;
}

void Server::run() {
  Impl& s = *impl_;
  bind();
  if (s.stop_requested) return;
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (s.epoll_fd < 0)
    throw Error(std::string("cannot create the server's epoll: ") + std::strerror(errno));
  for (const auto& [fd, id] : {std::pair{s.listen_fd, kListenId}, std::pair{s.wake_fd, kWakeId}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
      throw Error(std::string("cannot watch the server's sockets: ") + std::strerror(errno));
  }
  const size_t threads = s.options.threads == 0 ? default_threads() : s.options.threads;
  for (size_t k = 0; k < threads; ++k) s.workers.emplace_back([&s] { s.work(); });
  // Workers write to the sockets of the connections they answer, so they are joined before
  // any connection is closed. Connections still open then missed the shutdown deadline.
  try {
    s.loop();
  } catch (...) {
    s.stop_workers();
    s.connections.clear();
    throw;
  }
  s.stop_workers();
  s.connections.clear();
}

ServerStats Server::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void Server::stop() {
  Impl& s = *impl_;
  s.stop_requested = true;
  s.wake();
}

}  // namespace sentiment::serve
