// The writer every output goes through: a regular file is replaced atomically, a symlink's
// target is replaced and the link kept, a device or FIFO is written through (never replaced
// by a regular file), anything else is refused with its name; an output that is the input
// being read is refused; whole-file reads keep to a size limit for files and pipes alike.
// All in a temporary directory, never on the real /dev nodes.
#include "core/file_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>

#include "core/error.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("sentiment-file-util-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_error(const std::function<void()>& f, const std::string& words) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning '" << words << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(WriteFileAtomic, ReplacesARegularFileAndLeavesNoTemporary) {
  const fs::path dir = temp_dir("regular");
  write_file_atomic(dir / "a.bin", "first");
  write_file_atomic(dir / "a.bin", "second");
  EXPECT_EQ(read(dir / "a.bin"), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

// Content made in pieces (small ones gathered, large ones passed straight through) is the
// pieces in order; a producer that throws halfway leaves the old file whole and no temporary.
TEST(WriteFileAtomic, WritesPiecesInOrderAndAThrowingProducerKeepsTheOldFile) {
  const fs::path dir = temp_dir("pieces");
  std::string want;
  write_file_atomic(dir / "a.bin", [&](const FileWriter& write) {
    for (size_t k = 0; k < 40; ++k) {
      const std::string piece(k % 7 == 3 ? (3u << 19) + k : k * 1000 + 1,
                              static_cast<char>('a' + k % 26));
      want += piece;
      write(piece);
    }
  });
  EXPECT_EQ(read(dir / "a.bin"), want);
  expect_error(
      [&] {
        write_file_atomic(dir / "a.bin", [](const FileWriter& write) {
          write(std::string(5u << 20, 'z'));
          throw Error("the producer failed");
        });
      },
      "the producer failed");
  EXPECT_EQ(read(dir / "a.bin"), want);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(Crc32, ContinuesAcrossPieces) {
  const std::string text = "the checksum of a file written in pieces";
  for (size_t cut = 0; cut <= text.size(); cut += 5)
    EXPECT_EQ(crc32_of(text.data() + cut, text.size() - cut, crc32_of(text.data(), cut)),
              crc32_of(text.data(), text.size()));
  EXPECT_EQ(crc32_of("123456789", 9), 0xCBF43926u);  // the standard check value
}

TEST(WriteFileAtomic, ReplacesASymlinksTargetAndKeepsTheLink) {
  const fs::path dir = temp_dir("symlink");
  fs::create_directories(dir / "real");
  write_file_atomic(dir / "real" / "model.bin", "old");
  fs::create_symlink(dir / "real" / "model.bin", dir / "link.bin");
  write_file_atomic(dir / "link.bin", "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link.bin"));
  EXPECT_EQ(read(dir / "real" / "model.bin"), "new");
}

TEST(WriteFileAtomic, RefusesADanglingSymlinkADirectoryAndASocketByName) {
  const fs::path dir = temp_dir("refuse");
  fs::create_symlink(dir / "missing", dir / "dangling");
  expect_error([&] { write_file_atomic(dir / "dangling", "x"); }, "symbolic link");
  EXPECT_TRUE(fs::is_symlink(dir / "dangling"));

  fs::create_directories(dir / "sub");
  expect_error([&] { write_file_atomic(dir / "sub", "x"); }, "is a directory");
  EXPECT_TRUE(fs::is_directory(dir / "sub"));

  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = (dir / "s").string();
  ASSERT_LT(sock.size(), sizeof addr.sun_path);
  sock.copy(addr.sun_path, sock.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  expect_error([&] { write_file_atomic(dir / "s", "x"); }, "is a socket");
  EXPECT_TRUE(fs::is_socket(dir / "s"));
  ::close(fd);
}

TEST(WriteFileAtomic, WritesThroughAFifoThatIsRead) {
  const fs::path dir = temp_dir("fifo");
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The read end is open before the write (a non-blocking open needs no writer), and the
  // content fits the pipe's buffer, so nothing blocks.
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  write_file_atomic(fifo, "through the pipe");
  char buf[64] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0))), "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST(WriteFileAtomic, AFifoThatNobodyReadsIsAnErrorNotAHang) {
  const fs::path dir = temp_dir("fifo-unread");
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  expect_error([&] { write_file_atomic(dir / "pipe", "x"); }, "nobody is reading");
  EXPECT_TRUE(fs::is_fifo(dir / "pipe"));
}

// A character device node made in the temporary directory (the null device's numbers):
// writes go through it and it stays a device. Making a node needs CAP_MKNOD.
TEST(WriteFileAtomic, WritesThroughACharacterDeviceAndKeepsIt) {
  const fs::path dev = temp_dir("chardev") / "null";
  if (::mknod(dev.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0)
    GTEST_SKIP() << "mknod needs CAP_MKNOD: " << std::strerror(errno);
  write_file_atomic(dev, std::string(1 << 20, 'x'));
  EXPECT_TRUE(fs::is_character_file(dev));
  // A device that fails the write (the full device's numbers) makes the write fail.
  const fs::path full = dev.parent_path() / "full";
  ASSERT_EQ(::mknod(full.c_str(), S_IFCHR | 0666, ::makedev(1, 7)), 0);
  expect_error([&] { write_file_atomic(full, "x"); }, "No space left on device");
  EXPECT_TRUE(fs::is_character_file(full));
}

TEST(MoveFileIntoPlace, RenamesOverARegularFileAndReplacesASymlinksTarget) {
  const fs::path dir = temp_dir("move");
  write_file_atomic(dir / "out.png", "old");
  write_file_atomic(dir / "out.png.tmp", "new");
  move_file_into_place(dir / "out.png.tmp", dir / "out.png");
  EXPECT_EQ(read(dir / "out.png"), "new");
  EXPECT_FALSE(fs::exists(dir / "out.png.tmp"));

  fs::create_symlink(dir / "out.png", dir / "link.png");
  write_file_atomic(dir / "link.png.tmp", "newer");
  move_file_into_place(dir / "link.png.tmp", dir / "link.png");
  EXPECT_TRUE(fs::is_symlink(dir / "link.png"));
  EXPECT_EQ(read(dir / "out.png"), "newer");
  EXPECT_FALSE(fs::exists(dir / "link.png.tmp"));
}

TEST(CheckNotInput, RefusesTheInputThroughAnyNameAndAllowsOthers) {
  const fs::path dir = temp_dir("input");
  write_file_atomic(dir / "m.model", "model");
  fs::create_symlink(dir / "m.model", dir / "alias.model");
  expect_error([&] { check_not_input(dir / "m.model", dir / "m.model", "model"); },
               "it is the model being read");
  expect_error([&] { check_not_input(dir / "alias.model", dir / "m.model", "model"); },
               "alias.model");
  expect_error([&] { check_not_input(dir / "." / "m.model", dir / "m.model", "model"); },
               "refusing to write");
  check_not_input(dir / "other.bin", dir / "m.model", "model");
  write_file_atomic(dir / "other.bin", "x");
  check_not_input(dir / "other.bin", dir / "m.model", "model");
}

TEST(ReadWholeFile, ReadsFilesAndPipesUpToTheLimitAndNamesWhatItRefuses) {
  const fs::path dir = temp_dir("read");
  const std::string content(100000, 'r');  // more than one read's buffer
  write_file_atomic(dir / "f.txt", content);
  EXPECT_EQ(read_whole_file(dir / "f.txt", "text", content.size()), content);
  expect_error([&] { read_whole_file(dir / "f.txt", "text", content.size() - 1); },
               "cannot read text " + (dir / "f.txt").string() + ": it is too large: 100000");
  expect_error([&] { read_whole_file(dir, "config file", 10); }, "it is a directory");
  expect_error([&] { read_whole_file(dir / "missing", "model file", 10); },
               "No such file or directory");
  // A pipe has no size up front: its limit is found while reading.
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  for (const size_t limit : {content.size(), content.size() - 1}) {
    const int writer_fd = ::open((dir / "pipe").c_str(), O_RDWR);  // a reader-less open
    ASSERT_GE(writer_fd, 0);
    std::thread writer([&] {
      for (size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(writer_fd, content.data() + done, content.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(writer_fd);
    });
    std::string got;
    std::string error;
    try {
      got = read_whole_file(dir / "pipe", "config file", limit);
    } catch (const Error& e) {
      error = e.what();
    }
    writer.join();
    if (limit == content.size())
      EXPECT_EQ(got, content) << error;
    else
      EXPECT_NE(error.find("more than " + std::to_string(limit)), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace sentiment
