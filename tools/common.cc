// Shared CLI helpers.
#include "common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"

#include "kernels/cpu/gemm.h"

namespace sentiment::cli {

std::unique_ptr<ThreadPool> make_pool(int threads) {
  kernels::gemm_use_single_thread();
  return std::make_unique<ThreadPool>(static_cast<size_t>(threads < 0 ? 0 : threads));
}

std::filesystem::path find_imdb(const std::string& explicit_path, bool allow_download) {
  data::LocateOptions where;
  if (!explicit_path.empty()) where.explicit_path = std::filesystem::path(explicit_path);
  where.project_root = SENTIMENT_SOURCE_DIR;
  where.allow_download = allow_download;
  where.log = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
  return data::locate_imdb(where);
}

namespace {

// The cause of the first write to stdout that failed (0 when none has, or it is unknown).
int first_stdout_errno = 0;

[[noreturn]] void stdout_failed(int err) {
  if (first_stdout_errno == 0) first_stdout_errno = err;
  throw Error(
      std::string("cannot write to standard output: ") +
      (first_stdout_errno != 0 ? std::strerror(first_stdout_errno) : "an earlier write failed"));
}

}  // namespace

void write_stdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::ferror(stdout))
    stdout_failed(errno);
}

void print_stdout(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string text(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(text.data(), text.size() + 1, format, again);
  va_end(again);
  write_stdout(text);
}

void flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) stdout_failed(errno);
}

void guard_standard_streams() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int got = ::open("/dev/null", O_RDONLY);
      if (got >= 0 && got != fd) {  // lower descriptors are open, so got == fd unless racing
        ::dup2(got, fd);
        ::close(got);
      }
    }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace sentiment::cli
