// Helpers for the data tests: a self-deleting temporary directory, file writing, small
// aclImdb trees built at run time, packing them with the system `tar`, and scoped
// environment variables. No part of the real dataset is ever written by these helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace sentiment::data::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("sentiment-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const fs::path& relative) const { return path_ / relative; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, std::string_view content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw Error("test: cannot write " + path.string());
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One review file of a fixture tree: <split>/<label>/<name> under aclImdb/.
struct FixtureFile {
  std::string relative;  // e.g. "train/pos/3_10.txt"
  std::string text;
};

// A small labelled set whose numeric order differs from the lexicographic one
// ("10_2.txt" sorts before "2_1.txt" as text).
inline std::vector<FixtureFile> small_reviews() {
  return {
      {"train/neg/10_2.txt", "Bad movie. Bad acting!"},
      {"train/neg/2_1.txt", "Awful<br /><br />film, truly awful."},
      {"train/pos/3_10.txt", "Great film! A great cast."},
      {"train/pos/1_8.txt", "I liked it; the cast was great."},
      {"test/neg/5_4.txt", "Boring film, bad plot."},
      {"test/neg/0_3.txt", "Not good: zyzzyva."},
      {"test/pos/7_9.txt", "Great, great fun."},
      {"test/pos/12_7.txt", "A fine film."},
  };
}

// Writes files under root/aclImdb; `official` adds what aclImdb_v1.tar.gz has beyond the
// labelled reviews (train/unsup with rating-0 names, *.feat, urls_*.txt, imdb.vocab, ...),
// all of which a reader must ignore.
inline fs::path write_tree(const fs::path& root, const std::vector<FixtureFile>& files,
                           bool official = false) {
  const fs::path acl = root / "aclImdb";
  for (const FixtureFile& f : files) write_file(acl / f.relative, f.text);
  write_file(acl / "README", "Large Movie Review Dataset (test fixture)\n");
  write_file(acl / "imdb.vocab", "the\nand\n");
  write_file(acl / "imdbEr.txt", "0.1\n0.2\n");
  if (official) {
    write_file(acl / "train/unsup/0_0.txt", "An unlabelled review.");
    write_file(acl / "train/unsup/1_0.txt", "Another unlabelled review.");
    write_file(acl / "train/labeledBow.feat", "9 0:9 1:1\n");
    write_file(acl / "train/unsupBow.feat", "0 0:1\n");
    write_file(acl / "train/urls_pos.txt", "http://www.imdb.com/title/tt0000001/usercomments\n");
    write_file(acl / "train/urls_neg.txt", "http://www.imdb.com/title/tt0000002/usercomments\n");
    write_file(acl / "train/urls_unsup.txt", "http://www.imdb.com/title/tt0000003/usercomments\n");
    write_file(acl / "test/labeledBow.feat", "2 0:1\n");
    write_file(acl / "test/urls_pos.txt", "http://www.imdb.com/title/tt0000004/usercomments\n");
    write_file(acl / "test/urls_neg.txt", "http://www.imdb.com/title/tt0000005/usercomments\n");
  }
  return acl;
}

// Packs `what` (relative to dir) into archive with the system tar; flags "czf" or "cf".
inline fs::path make_tar(const fs::path& dir, const std::string& what, const fs::path& archive,
                         const std::string& flags = "czf") {
  const std::string command =
      "tar -" + flags + " '" + archive.string() + "' -C '" + dir.string() + "' " + what + " 2>&1";
  if (std::system(command.c_str()) != 0) throw Error("test: failed: " + command);
  return archive;
}

// Sets or unsets an environment variable for one scope, restoring the old value after.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
  }
  ScopedEnv(const char* name, const std::string& value) : ScopedEnv(name) { set(value); }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  void set(const std::string& value) { ::setenv(name_, value.c_str(), 1); }
  void unset() { ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Runs fn, which must throw Error, and returns its message (an empty string otherwise,
// which the caller's EXPECT on the message then reports).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected sentiment::Error, nothing was thrown";
  return "";
}

}  // namespace sentiment::data::testing
