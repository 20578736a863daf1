// download_file through file:// URLs (verified publish, mismatch and failure cleanup),
// SHA-256 known answers, and locate_imdb's search order with temporary trees and scoped
// environment variables (downloads off, so no test touches the network).
#include "data/download.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "data/imdb.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::read_file;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_file;

constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string file_url(const fs::path& path) {
  return "file://" + fs::absolute(path).string();
}

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(sha256_hex("abc"), kAbcSha256);
  EXPECT_EQ(sha256_hex(""), kEmptySha256);
  TempDir tmp;
  // Larger than one read chunk, so the streaming path is exercised.
  const std::string big(3 * 1024 * 1024 + 17, 'x');
  write_file(tmp / "big", big);
  EXPECT_EQ(sha256_file(tmp / "big"), sha256_hex(big));
  write_file(tmp / "abc", "abc");
  EXPECT_EQ(sha256_file(tmp / "abc"), kAbcSha256);
  EXPECT_NE(error_of([&] { sha256_file(tmp / "missing"); }).find("missing"), std::string::npos);
}

TEST(DownloadFile, GoodChecksumPublishesTheFile) {
  TempDir tmp;
  const std::string content(200000, 'q');
  write_file(tmp / "source.bin", content);
  const fs::path dest = tmp / "cache/sub/dest.bin";
  std::vector<std::string> lines;
  download_file(file_url(tmp / "source.bin"), dest, sha256_hex(content),
                [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(read_file(dest), content);
  EXPECT_FALSE(fs::exists(tmp / "cache/sub/dest.bin.part"));
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("downloading"), std::string::npos) << lines.front();
}

TEST(DownloadFile, UppercaseChecksumIsAccepted) {
  TempDir tmp;
  write_file(tmp / "abc", "abc");
  std::string upper = kAbcSha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  download_file(file_url(tmp / "abc"), tmp / "out", upper, [](const std::string&) {});
  EXPECT_EQ(read_file(tmp / "out"), "abc");
}

TEST(DownloadFile, WrongChecksumLeavesNoFile) {
  TempDir tmp;
  write_file(tmp / "source.bin", "tampered");
  const fs::path dest = tmp / "dest.bin";
  const std::string message = error_of([&] {
    download_file(file_url(tmp / "source.bin"), dest, kAbcSha256, [](const std::string&) {});
  });
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find(std::string("expected ") + kAbcSha256), std::string::npos) << message;
  EXPECT_NE(message.find("--data"), std::string::npos) << message;
  EXPECT_NE(message.find("IMDB_DATA"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_FALSE(fs::exists(tmp / "dest.bin.part"));
}

TEST(DownloadFile, WrongChecksumKeepsAnExistingGoodFile) {
  TempDir tmp;
  write_file(tmp / "dest.bin", "abc");
  write_file(tmp / "source.bin", "tampered");
  error_of([&] {
    download_file(file_url(tmp / "source.bin"), tmp / "dest.bin", kAbcSha256,
                  [](const std::string&) {});
  });
  EXPECT_EQ(read_file(tmp / "dest.bin"), "abc");
  EXPECT_FALSE(fs::exists(tmp / "dest.bin.part"));
}

TEST(DownloadFile, UnreachableSourceFails) {
  TempDir tmp;
  const std::string message = error_of([&] {
    download_file(file_url(tmp / "no-such-file"), tmp / "dest.bin", kAbcSha256,
                  [](const std::string&) {});
  });
  EXPECT_NE(message.find("download of"), std::string::npos) << message;
  EXPECT_NE(message.find("failed"), std::string::npos) << message;
  EXPECT_NE(message.find("--data"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(tmp / "dest.bin"));
  EXPECT_FALSE(fs::exists(tmp / "dest.bin.part"));
}

TEST(DownloadFile, MalformedChecksumIsRejectedBeforeDownloading) {
  TempDir tmp;
  write_file(tmp / "abc", "abc");
  const std::string message = error_of([&] {
    download_file(file_url(tmp / "abc"), tmp / "out", "abc123", [](const std::string&) {});
  });
  EXPECT_NE(message.find("64 hexadecimal digits"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

// A sandbox for locate_imdb: <tmp>/main is the project root, <tmp>/shared its sibling,
// <tmp>/cache the XDG cache; IMDB_DATA is unset and HOME points into the sandbox.
class LocateImdb : public ::testing::Test {
 protected:
  LocateImdb() {
    imdb_data_.unset();
    xdg_.set((tmp_ / "cache").string());
    home_.set((tmp_ / "home").string());
    fs::create_directories(tmp_ / "main");
    options_.project_root = tmp_ / "main";
    options_.allow_download = false;
  }

  fs::path shared_archive() const { return tmp_ / "shared/data/imdb/aclImdb_labeled.tar.gz"; }
  fs::path cached_archive() const { return tmp_ / "cache/lstm-sentiment/aclImdb_v1.tar.gz"; }

  TempDir tmp_;
  ScopedEnv imdb_data_{"IMDB_DATA"};
  ScopedEnv xdg_{"XDG_CACHE_HOME"};
  ScopedEnv home_{"HOME"};
  LocateOptions options_;
};

TEST_F(LocateImdb, ExplicitPathWinsAndMustExist) {
  write_file(tmp_ / "mine.tar.gz", "x");
  write_file(shared_archive(), "x");
  imdb_data_.set(shared_archive().string());
  options_.explicit_path = tmp_ / "mine.tar.gz";
  EXPECT_EQ(locate_imdb(options_), tmp_ / "mine.tar.gz");
  options_.explicit_path = tmp_ / "missing.tar.gz";
  const std::string message = error_of([&] { locate_imdb(options_); });
  EXPECT_NE(message.find("missing.tar.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST_F(LocateImdb, ImdbDataComesNextAndMustExist) {
  write_file(tmp_ / "env.tar.gz", "x");
  write_file(shared_archive(), "x");
  imdb_data_.set((tmp_ / "env.tar.gz").string());
  EXPECT_EQ(locate_imdb(options_), tmp_ / "env.tar.gz");
  imdb_data_.set((tmp_ / "gone").string());
  const std::string message = error_of([&] { locate_imdb(options_); });
  EXPECT_NE(message.find("IMDB_DATA"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST_F(LocateImdb, SearchOrderDataThenSharedThenCache) {
  write_file(cached_archive(), "x");
  EXPECT_EQ(locate_imdb(options_), cached_archive());
  write_file(shared_archive(), "x");
  EXPECT_EQ(locate_imdb(options_), shared_archive().lexically_normal());
  write_file(tmp_ / "main/data/aclImdb_labeled.tar.gz", "x");
  EXPECT_EQ(locate_imdb(options_), tmp_ / "main/data/aclImdb_labeled.tar.gz");
  write_file(tmp_ / "main/data/aclImdb_v1.tar.gz", "x");
  EXPECT_EQ(locate_imdb(options_), tmp_ / "main/data/aclImdb_v1.tar.gz");
  fs::create_directories(tmp_ / "main/data/aclImdb");
  EXPECT_EQ(locate_imdb(options_), tmp_ / "main/data/aclImdb");
}

TEST_F(LocateImdb, CacheFallsBackToHome) {
  xdg_.unset();
  const fs::path cached = tmp_ / "home/.cache/lstm-sentiment/aclImdb_v1.tar.gz";
  EXPECT_EQ(imdb_cache_path(), cached);
  write_file(cached, "x");
  EXPECT_EQ(locate_imdb(options_), cached);
  xdg_.set("relative/cache");  // invalid per the XDG spec, so ignored
  EXPECT_EQ(imdb_cache_path(), cached);
}

TEST_F(LocateImdb, NothingFoundWithoutDownloadSaysWhereItLooked) {
  std::vector<std::string> log;
  options_.log = [&](const std::string& line) { log.push_back(line); };
  const std::string message = error_of([&] { locate_imdb(options_); });
  EXPECT_NE(message.find("not found"), std::string::npos) << message;
  EXPECT_NE(message.find(cached_archive().string()), std::string::npos) << message;
  EXPECT_NE(message.find("aclImdb_labeled.tar.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("--data"), std::string::npos) << message;
  EXPECT_NE(message.find("IMDB_DATA"), std::string::npos) << message;
  EXPECT_TRUE(log.empty());
}

}  // namespace
}  // namespace sentiment::data
