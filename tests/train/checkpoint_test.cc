// Checkpoint files: a round trip keeps the state; crafted files with a valid checksum but
// non-finite numbers or out-of-range integers are refused with errors naming the field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/file_util.h"
#include "train/checkpoint.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

Checkpoint small_checkpoint() {
  Checkpoint c;
  c.state.epoch = 3;
  c.state.params = {0.5f, -1.0f, 2.0f};
  c.state.adam_m = {0.1f, 0.2f, 0.3f};
  c.state.adam_v = {0.01f, 0.02f, 0.03f};
  c.state.adam_steps = 9;
  c.state.history.loss = {0.7, 0.6, 0.5};
  return c;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Rewrites the checkpoint at path: edit changes the bytes before the checksum, which is
// then recomputed, so only the reader's own checks stand between the file and the run.
void rewrite(const fs::path& path, const std::function<void(std::string&)>& edit) {
  std::string bytes = read_file(path);
  bytes.resize(bytes.size() - 4);
  edit(bytes);
  const uint32_t crc = crc32_of(bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void expect_error_naming(const fs::path& path, const std::vector<std::string>& words) {
  try {
    load_checkpoint(path);
    FAIL() << "the crafted checkpoint was accepted";
  } catch (const Error& e) {
    for (const auto& w : words)
      EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << w << " in: " << e.what();
  }
}

class CheckpointFile : public ::testing::Test {
 protected:
  void SetUp() override { save_checkpoint(path_, small_checkpoint()); }
  void TearDown() override { fs::remove(path_); }
  const fs::path path_ = fs::temp_directory_path() /
                         ("sentiment-checkpoint-test-" + std::to_string(::getpid()) + ".ckpt");
};

TEST_F(CheckpointFile, RoundTripKeepsTheState) {
  const Checkpoint c = load_checkpoint(path_);
  EXPECT_EQ(c.state.epoch, 3);
  EXPECT_EQ(c.state.adam_steps, 9);
  EXPECT_EQ(c.state.params, small_checkpoint().state.params);
  EXPECT_EQ(c.state.history.loss, small_checkpoint().state.history.loss);
}

TEST_F(CheckpointFile, NonFiniteParameterIsRefused) {
  // The parameters follow the header: u64 count, then the floats.
  rewrite(path_, [](std::string& b) {
    uint64_t len;
    std::memcpy(&len, b.data() + 16, 8);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(b.data() + 24 + len + 8 + sizeof(float), &nan, sizeof nan);
  });
  expect_error_naming(path_, {path_.string(), "parameter 1 of the parameters",
                              "non-finite value (the run that wrote it diverged)"});
}

TEST_F(CheckpointFile, NonFiniteMomentIsRefused) {
  rewrite(path_, [](std::string& b) {
    uint64_t len;
    std::memcpy(&len, b.data() + 16, 8);
    const float inf = std::numeric_limits<float>::infinity();
    // Second array (adam_m): after 8 + 3 floats of parameters and its own count.
    std::memcpy(b.data() + 24 + len + 8 + 3 * sizeof(float) + 8, &inf, sizeof inf);
  });
  expect_error_naming(path_, {"parameter 0 of the first moments", "non-finite"});
}

// Best weights are either absent or one per parameter (resuming copies them over the model).
TEST_F(CheckpointFile, BestWeightsOfAnotherSizeAreRefused) {
  Checkpoint c = small_checkpoint();
  c.state.best_params.assign(40, 0.5f);
  save_checkpoint(path_, c);
  expect_error_naming(path_, {path_.string(), "got 40 best weights", "one per parameter (3)"});
}

TEST_F(CheckpointFile, HugeEpochIsNotTruncated) {
  rewrite(path_, [](std::string& b) {
    uint64_t len;
    std::memcpy(&len, b.data() + 16, 8);
    std::string header = b.substr(24, len);
    const size_t at = header.find("\"epoch\":3");
    ASSERT_NE(at, std::string::npos);
    header.replace(at, 9, "\"epoch\":1099511627776");
    const uint64_t new_len = header.size();
    std::string out = b.substr(0, 16);
    out.append(reinterpret_cast<const char*>(&new_len), 8);
    b = out + header + b.substr(24 + len);
  });
  expect_error_naming(path_, {"'epoch' is 1099511627776", "2147483647"});
}

// The run configuration is re-dumped on load, which recursed once per level: a million
// levels overflowed the stack.
TEST_F(CheckpointFile, DeeplyNestedHeaderIsRefused) {
  rewrite(path_, [](std::string& b) {
    uint64_t len;
    std::memcpy(&len, b.data() + 16, 8);
    std::string header = b.substr(24, len);
    const size_t at = header.find("\"run\":{}");
    ASSERT_NE(at, std::string::npos);
    header.replace(at + 6, 2, std::string(1000000, '[') + std::string(1000000, ']'));
    const uint64_t new_len = header.size();
    std::string out = b.substr(0, 16);
    out.append(reinterpret_cast<const char*>(&new_len), 8);
    b = out + header + b.substr(24 + len);
  });
  expect_error_naming(path_, {path_.string(), "nested deeper than 100 levels"});
}

}  // namespace
}  // namespace sentiment
