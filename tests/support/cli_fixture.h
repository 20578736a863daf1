// What the CLI tests share: a fresh temporary directory per test, file helpers, a tiny but
// valid aclImdb tree, and the check that a command failed the way a user should see it
// (one "error:" line naming the problem, a non-zero exit, no crash).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/run_cli.h"

namespace sentiment::testing {

inline std::filesystem::path temp_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("sentiment-cli-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A tiny but valid aclImdb tree (4 reviews per split and label); `bad_review`, when given,
// is the content of one more training review, train/pos/100_8.txt.
inline std::filesystem::path fixture(const std::string& name, const std::string& bad_review = "") {
  const std::filesystem::path root = temp_dir(name) / "aclImdb";
  int id = 0;
  for (const char* split : {"train", "test"})
    for (const char* label : {"pos", "neg"})
      for (int k = 0; k < 4; ++k) {
        const bool pos = std::string(label) == "pos";
        write(root / split / label / (std::to_string(id++) + (pos ? "_9.txt" : "_2.txt")),
              pos ? "a wonderful moving film" : "a dull awful film");
      }
  if (!bad_review.empty()) write(root / "train" / "pos" / "100_8.txt", bad_review);
  return root;
}

inline void expect_error(const CliResult& r, const std::string& words) {
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.status, 128 + SIGSEGV) << "crashed: " << r.output;
  EXPECT_NE(r.status, 128 + SIGABRT) << "aborted: " << r.output;
  EXPECT_NE(r.output.find("error:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(words), std::string::npos)
      << "expected the message to mention '" << words << "', got: " << r.output;
}

}  // namespace sentiment::testing
