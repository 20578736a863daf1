// LineReader: lines split across blocks of every size, CR LF, a last line without '\n',
// empty lines kept, over-long lines cut to the limit with their length reported, a reader
// waiting on a silent pipe stopped from another thread, and read errors named.
#include "data/line_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace sentiment::data {
namespace {

struct Read {
  std::vector<std::string> lines;
  std::vector<size_t> lengths;
};

// Everything `bytes` holds, through a pipe, with the given limit and block size.
Read read_all(const std::string& bytes, size_t limit, size_t block) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = write(fds[1], bytes.data() + off, bytes.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
  });
  Read r;
  LineReader reader(fds[0], "the pipe", limit, block);
  std::string line;
  size_t length = 0;
  while (reader.next(line, length)) {
    r.lines.push_back(line);
    r.lengths.push_back(length);
  }
  writer.join();
  close(fds[0]);
  return r;
}

TEST(LineReader, SplitsLinesWhateverTheBlockSize) {
  const std::string input = "first\nsecond line\r\n\nlast without newline";
  const std::vector<std::string> want = {"first", "second line", "", "last without newline"};
  for (size_t block : {1u, 2u, 3u, 7u, 64u, 1u << 20}) {
    const Read r = read_all(input, 1000, block);
    EXPECT_EQ(r.lines, want) << "block " << block;
    EXPECT_EQ(r.lengths, (std::vector<size_t>{5, 11, 0, 20})) << "block " << block;
  }
}

TEST(LineReader, EmptyInputHasNoLinesAndAFinalNewlineAddsNone) {
  EXPECT_TRUE(read_all("", 10, 4).lines.empty());
  EXPECT_EQ(read_all("a\n", 10, 4).lines, std::vector<std::string>{"a"});
  EXPECT_EQ(read_all("\n", 10, 4).lines, std::vector<std::string>{""});
}

TEST(LineReader, CutsLongLinesToTheLimitAndReportsTheirLength) {
  const std::string big(10000, 'x');
  for (size_t block : {3u, 4096u}) {
    const Read r = read_all("short\n" + big + "\nafter\n", 100, block);
    ASSERT_EQ(r.lines.size(), 3u);
    EXPECT_EQ(r.lines[1], std::string(101, 'x'));  // limit + 1: "over the limit" is visible
    EXPECT_EQ(r.lengths[1], 10000u);
    EXPECT_EQ(r.lines[2], "after");
  }
}

TEST(LineReader, StopEndsAWaitOnASilentPipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  LineReader reader(fds[0], "the pipe", 100);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reader.stop();
  });
  std::string line;
  size_t length = 0;
  EXPECT_FALSE(reader.next(line, length, 10));  // returns: nobody ever writes
  EXPECT_TRUE(reader.stopped());
  stopper.join();
  close(fds[0]);
  close(fds[1]);
}

TEST(LineReader, ReadErrorsNameTheInput) {
  const int dir = open("/", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  LineReader reader(dir, "standard input", 100);
  std::string line;
  size_t length = 0;
  try {
    reader.next(line, length);
    ADD_FAILURE() << "reading a directory succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read standard input: "), std::string::npos)
        << e.what();
  }
  close(dir);
}

}  // namespace
}  // namespace sentiment::data
