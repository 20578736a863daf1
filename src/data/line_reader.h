// Lines from a file descriptor (standard input, a pipe, a file), read in large blocks: one
// read() per MiB instead of a stream extraction per character. A line is what lies between
// '\n' bytes (the last one may lack it), without its '\n' and without one trailing '\r'. A
// line longer than the byte limit keeps only its first limit + 1 bytes and reports its full
// length, so a hostile input without line breaks costs bounded memory.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

namespace sentiment::data {

class LineReader {
 public:
  // fd stays open and owned by the caller; name ("standard input") goes into errors.
  LineReader(int fd, std::string name, size_t max_line_bytes, size_t block_bytes = 1 << 20);

  // The next line into `line` (reused), its full length in bytes into `length` (>
  // line.size() only when the limit cut it); false at the end of the input. Waits for
  // input in slices of `poll_ms` (< 0: no slicing) and returns false early, with
  // stopped() true, once stop() was called from another thread. Throws Error naming the
  // input when read() fails.
  bool next(std::string& line, size_t& length, int poll_ms = -1);

  // Thread-safe: makes a next() that waits for input return false within poll_ms.
  void stop() { stop_flag_.store(true, std::memory_order_relaxed); }
  bool stopped() const { return stop_flag_.load(std::memory_order_relaxed); }

 private:
  // Refills block_; false at the end of the input or when stopped.
  bool fill(int poll_ms);

  int fd_;
  std::string name_;
  size_t max_line_bytes_;
  std::vector<char> block_;
  size_t begin_ = 0, end_ = 0;  // unread bytes: block_[begin_, end_)
  bool eof_ = false;
  std::atomic<bool> stop_flag_{false};
};

}  // namespace sentiment::data
