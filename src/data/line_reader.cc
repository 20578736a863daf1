#include "data/line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace sentiment::data {

LineReader::LineReader(int fd, std::string name, size_t max_line_bytes, size_t block_bytes)
    : fd_(fd),
      name_(std::move(name)),
      max_line_bytes_(max_line_bytes),
      block_(std::max<size_t>(block_bytes, 1)) {}

bool LineReader::fill(int poll_ms) {
  begin_ = end_ = 0;
  while (!eof_) {
    if (stopped()) return false;
    if (poll_ms >= 0) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, poll_ms);
      if (ready < 0 && errno != EINTR)
        throw Error("cannot read " + name_ + ": " + std::strerror(errno));
      if (ready <= 0) continue;  // a time slice passed (or a signal): look at stop() again
    }
    const ssize_t got = ::read(fd_, block_.data(), block_.size());
    if (got > 0) {
      end_ = static_cast<size_t>(got);
      return true;
    }
    if (got == 0) {
      eof_ = true;
    } else if (errno != EINTR && errno != EAGAIN) {
      throw Error("cannot read " + name_ + ": " + std::strerror(errno));
    }
  }
  return false;
}

bool LineReader::next(std::string& line, size_t& length, int poll_ms) {
  line.clear();
  length = 0;
  bool any = false;  // a byte (or the '\n') of this line was seen
  for (;;) {
    if (begin_ == end_ && !fill(poll_ms)) {
      if (stopped()) return false;
      break;  // end of input: a last line without '\n' ends here
    }
    const char* start = block_.data() + begin_;
    const size_t avail = end_ - begin_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', avail));
    const size_t take = nl ? static_cast<size_t>(nl - start) : avail;
    const size_t room = max_line_bytes_ + 1 > line.size() ? max_line_bytes_ + 1 - line.size() : 0;
    line.append(start, std::min(take, room));
    length += take;
    any = true;
    begin_ += take;
    if (nl) {
      ++begin_;  // the '\n'
      break;
    }
  }
  if (!any) return false;
  if (length == line.size() && !line.empty() && line.back() == '\r') {
    line.pop_back();
    --length;
  }
  return true;
}

}  // namespace sentiment::data
