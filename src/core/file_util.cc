// Writing files safely: atomic replacement through a temporary file and rename(2) for
// regular files, writing through for devices and FIFOs, CRC-32 via zlib.
#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "core/error.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

enum class WriteMode { kReplace, kWriteThrough };

struct WriteTarget {
  fs::path path;  // where the bytes end up: the path itself or a symlink's target
  WriteMode mode;
};

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw Error(what + " " + path.string() + ": " + std::strerror(err));
}

const char* file_type_name(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISFIFO(m)) return "a FIFO";
  return "not a regular file";
}

// Decides how path is written: see file_util.h.
WriteTarget resolve_target(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    struct stat lst {};
    if (err == ENOENT && ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
      std::error_code ec;
      const fs::path to = fs::read_symlink(path, ec);
      throw Error("cannot write " + path.string() + ": it is a symbolic link to " +
                  (ec ? std::string("a missing file") : to.string() + ", which does not exist"));
    }
    if (err != ENOENT) fail("cannot write", path, err);
    return {path, WriteMode::kReplace};
  }
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return {path, WriteMode::kWriteThrough};
  if (!S_ISREG(st.st_mode))
    throw Error("cannot write " + path.string() + ": it is " + file_type_name(st.st_mode));
  // Replace the file a symlink points to, never the link itself.
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  return {ec ? path : real, WriteMode::kReplace};
}

void write_all(int fd, std::string_view content, const fs::path& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", path, n < 0 ? errno : EIO);
    content.remove_prefix(static_cast<size_t>(n));
  }
}

// Writes produce's pieces to fd through a 1 MiB buffer (large pieces go straight through).
void write_pieces(int fd, const std::function<void(const FileWriter&)>& produce,
                  const fs::path& path) {
  constexpr size_t kBuffer = 1 << 20;
  std::string buffer;
  buffer.reserve(kBuffer);
  produce([&](std::string_view piece) {
    if (buffer.size() + piece.size() > kBuffer) {
      write_all(fd, buffer, path);
      buffer.clear();
    }
    if (piece.size() >= kBuffer)
      write_all(fd, piece, path);
    else
      buffer.append(piece);
  });
  write_all(fd, buffer, path);
}

// A device or FIFO: opened without blocking, so a FIFO nobody reads is an error, not a hang.
void write_through(const fs::path& path, const std::function<void(const FileWriter&)>& produce) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO)
      throw Error("cannot write " + path.string() + ": it is a FIFO that nobody is reading");
    fail("cannot write", path, errno);
  }
  try {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
      fail("cannot write", path, errno);
    write_pieces(fd, produce, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail("cannot write", path, errno);
}

void replace_atomically(const fs::path& path,
                        const std::function<void(const FileWriter&)>& produce) {
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail("cannot write", tmp, errno);
  try {
    write_pieces(fd, produce, tmp);
    if (::fsync(fd) != 0) fail("cannot write", tmp, errno);
  } catch (...) {
    ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    fail("cannot write", tmp, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error("cannot rename " + tmp.string() + " to " + path.string() + ": " +
                std::strerror(err));
  }
}

}  // namespace

uint32_t crc32_of(const char* data, size_t n, uint32_t initial) {
  uLong crc = initial;
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

std::string read_whole_file(const fs::path& path, std::string_view what, size_t max_bytes) {
  const std::string name = "cannot read " + std::string(what) + " " + path.string() + ": ";
  const std::string allowed = " bytes, at most " + std::to_string(max_bytes) + " allowed";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(name + std::strerror(errno));
  std::string text;
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error(name + std::strerror(errno));
    // Pipes and devices (--config /dev/stdin, a process substitution) are read to their end.
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
      throw Error(name + "it is " + file_type_name(st.st_mode));
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
      throw Error(name + "it is too large: " + std::to_string(st.st_size) + allowed);
    text.resize(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : size_t{1} << 16);
    size_t got = 0;
    for (;;) {
      if (got == text.size()) {
        if (got == max_bytes) {
          char probe;  // one byte more than allowed means the input is too large
          if (::read(fd, &probe, 1) == 0) break;
          throw Error(name + "it is too large: more than " + std::to_string(max_bytes) +
                      " bytes (at most " + std::to_string(max_bytes) + " allowed)");
        }
        text.resize(std::min(max_bytes, std::max<size_t>(2 * got, 1 << 16)));
      }
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(name + std::strerror(errno));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return text;
}

void write_file_atomic(const fs::path& path,
                       const std::function<void(const FileWriter& write)>& produce) {
  const WriteTarget target = resolve_target(path);
  if (target.mode == WriteMode::kWriteThrough)
    write_through(target.path, produce);
  else
    replace_atomically(target.path, produce);
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  write_file_atomic(path, [content](const FileWriter& write) { write(content); });
}

void move_file_into_place(const fs::path& tmp, const fs::path& path) {
  const WriteTarget target = resolve_target(path);
  if (target.mode == WriteMode::kReplace && target.path == path) {
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot write", path, errno);
    return;
  }
  const std::string bytes = read_whole_file(tmp, "file", std::numeric_limits<size_t>::max());
  std::remove(tmp.c_str());
  write_file_atomic(path, bytes);
}

void check_not_input(const fs::path& output, const fs::path& input, std::string_view what) {
  std::error_code ec;
  if (fs::equivalent(output, input, ec) && !ec)
    throw Error("refusing to write " + output.string() + ": it is the " + std::string(what) +
                " being read (" + input.string() + ")");
}

}  // namespace sentiment
