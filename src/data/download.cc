// libcurl download into a ".part" file, verified with OpenSSL's SHA-256 before the rename
// that publishes it; libcurl and OpenSSL are used only here.
#include "data/download.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.h"

namespace sentiment::data {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kHashChunkBytes = 1 << 20;
constexpr int kBarWidth = 30;
// Redrawing the bar more often than this only costs terminal bandwidth.
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
// Without a known total size, plain-line progress is reported every this many bytes.
constexpr curl_off_t kUnknownSizeStep = 10 << 20;
constexpr const char* kHint = "; pass --data PATH or set IMDB_DATA to a local copy of the data";

std::string to_hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return hex;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw Error("sha256: OpenSSL could not initialise a SHA-256 context");
    }
  }
  void update(const void* data, size_t n) {
    if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) throw Error("sha256: OpenSSL update failed");
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1) {
      throw Error("sha256: OpenSSL finalisation failed");
    }
    return to_hex(digest, length);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string megabytes(curl_off_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

// State shared with libcurl's C callbacks, which must not throw: an exception from the log
// callback is parked here and rethrown after curl_easy_perform returns.
struct Transfer {
  std::FILE* file = nullptr;
  bool tty = false;
  const std::function<void(const std::string&)>* log = nullptr;
  Clock::time_point start = Clock::now();
  Clock::time_point last_draw{};
  curl_off_t drawn_bytes = 0;
  curl_off_t next_report = 0;  // plain-line mode: report when this many bytes have arrived
  bool drew_bar = false;
  std::exception_ptr error;

  void say(const std::string& line) const {
    if (log != nullptr && *log) {
      (*log)(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  // A short count makes libcurl stop with CURLE_WRITE_ERROR (e.g. on a full disk).
  return std::fwrite(data, size, count, transfer->file) * size;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  try {
    const double seconds =
        std::max(1e-3, std::chrono::duration<double>(Clock::now() - t->start).count());
    const double rate = static_cast<double>(now) / seconds;
    if (t->tty) {
      // libcurl calls back many times per second, also with no new bytes; draw when
      // something changed, at most every kRedrawInterval, and always the final state.
      const bool finished = total > 0 && now >= total;
      if (now == 0 || now == t->drawn_bytes) return 0;
      if (!finished && Clock::now() - t->last_draw < kRedrawInterval) return 0;
      t->last_draw = Clock::now();
      t->drawn_bytes = now;
      t->drew_bar = true;
      if (total > 0) {
        const double fraction =
            std::min(1.0, static_cast<double>(now) / static_cast<double>(total));
        const int filled = static_cast<int>(fraction * kBarWidth);
        std::fprintf(stderr, "\r  [%s%s] %3d%%  %s / %s  %s/s   ",
                     std::string(static_cast<size_t>(filled), '#').c_str(),
                     std::string(static_cast<size_t>(kBarWidth - filled), '.').c_str(),
                     static_cast<int>(fraction * 100.0), megabytes(now).c_str(),
                     megabytes(total).c_str(), megabytes(static_cast<curl_off_t>(rate)).c_str());
      } else {
        std::fprintf(stderr, "\r  %s  %s/s   ", megabytes(now).c_str(),
                     megabytes(static_cast<curl_off_t>(rate)).c_str());
      }
      std::fflush(stderr);
    } else if (now > 0 && now >= t->next_report) {
      const curl_off_t step = total > 0 ? std::max<curl_off_t>(1, total / 10) : kUnknownSizeStep;
      t->next_report = (now / step + 1) * step;
      std::string line = "downloaded " + megabytes(now);
      if (total > 0) {
        line += " of " + megabytes(total) + " (" + std::to_string(now * 100 / total) + "%)";
      }
      t->say(line);
    }
    return 0;
  } catch (...) {
    t->error = std::current_exception();
    return 1;  // non-zero aborts the transfer
  }
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error("download: libcurl global initialisation failed");
    }
  });
}

bool is_sha256_hex(const std::string& hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// Fetches url into file; returns an empty string on success, else what went wrong.
std::string fetch(const std::string& url, Transfer& transfer) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return "libcurl could not create a handle";
  CURL* c = curl.get();
  char message[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);  // HTTP 4xx/5xx is a failure, not a body
  curl_easy_setopt(c, CURLOPT_USERAGENT, "lstm-sentiment");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled connection (under 1 KB/s for a minute) fails instead of hanging forever.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  const CURLcode code = curl_easy_perform(c);
  if (transfer.drew_bar) std::fputc('\n', stderr);
  if (transfer.error) std::rethrow_exception(transfer.error);
  if (code != CURLE_OK) return message[0] != '\0' ? message : curl_easy_strerror(code);
  return "";
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex();
}

std::string sha256_file(const fs::path& file) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(file.c_str(), "rb"));
  if (!in) throw Error("sha256: cannot open '" + file.string() + "': " + std::strerror(errno));
  Sha256 hash;
  std::vector<char> buffer(kHashChunkBytes);
  for (;;) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get());
    hash.update(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  if (std::ferror(in.get())) {
    throw Error("sha256: cannot read '" + file.string() + "': " + std::strerror(errno));
  }
  return hash.hex();
}

void download_file(const std::string& url, const fs::path& dest, const std::string& sha256_hex,
                   const std::function<void(const std::string&)>& log) {
  if (!is_sha256_hex(sha256_hex)) {
    throw Error("download_file: expected checksum: got '" + sha256_hex +
                "', expected 64 hexadecimal digits of SHA-256");
  }
  const std::string expected = lowercase(sha256_hex);
  fs::path part = dest;
  part += ".part";
  // Whatever happens below, a leftover .part must not survive a failure.
  struct PartRemover {
    fs::path path;
    bool armed = true;
    ~PartRemover() {
      std::error_code ignored;
      if (armed) fs::remove(path, ignored);
    }
  } remover{part};

  if (dest.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) {
      throw Error("download of " + url + " failed: cannot create directory '" +
                  dest.parent_path().string() + "': " + ec.message() + kHint);
    }
  }
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(part.c_str(), "wb"));
  if (!out) {
    throw Error("download of " + url + " failed: cannot write '" + part.string() +
                "': " + std::strerror(errno) + kHint);
  }

  Transfer transfer;
  transfer.file = out.get();
  transfer.tty = ::isatty(STDERR_FILENO) == 1;
  transfer.log = &log;
  transfer.say("downloading " + url + " to " + dest.string());
  const std::string failure = fetch(url, transfer);
  const bool flushed = std::fflush(out.get()) == 0;
  out.reset();
  if (!failure.empty()) throw Error("download of " + url + " failed: " + failure + kHint);
  if (!flushed) {
    throw Error("download of " + url + " failed: cannot write '" + part.string() + "'" + kHint);
  }

  const std::string got = sha256_file(part);
  if (got != expected) {
    throw Error("download of " + url + " failed: checksum mismatch: got sha256 " + got +
                ", expected " + expected + kHint);
  }
  std::error_code ec;
  fs::rename(part, dest, ec);
  if (ec) {
    throw Error("download of " + url + " failed: cannot rename '" + part.string() + "' to '" +
                dest.string() + "': " + ec.message() + kHint);
  }
  remover.armed = false;
  transfer.say("downloaded " + dest.string() + " (sha256 verified)");
}

}  // namespace sentiment::data
