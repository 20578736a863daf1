// Accidents a user makes with the CLI, each with the promise docs/reliability.md states:
// output that cannot be written fails the verb (a full device, a closed stdout), nothing
// replaces the model being read or a finished run unless asked, outputs that are not
// regular files are written through (never replaced), a diverged run is not saved, and
// option errors say what is allowed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/cli_fixture.h"

namespace {

namespace fs = std::filesystem;

using sentiment::testing::CliResult;
using sentiment::testing::expect_error;
using sentiment::testing::fixture;
using sentiment::testing::read_file;
using sentiment::testing::run_cli;
using sentiment::testing::run_script;
using sentiment::testing::temp_dir;
using sentiment::testing::write;

constexpr const char* kTiny =
    " --epochs 1 --maxlen 8 --batch-size 4 --validation-split 0.25 "
    "--no-plot --no-download";

// One tiny trained model shared by the tests of this file.
class Reliability : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(temp_dir("reliability"));
    data_ = new fs::path(fixture("reliability-data"));
    const CliResult r =
        run_cli("train --data " + data_->string() + kTiny + " --out " + (*dir_ / "run").string());
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    fs::remove_all(data_->parent_path());
    delete dir_;
    delete data_;
  }
  static std::string model() { return (*dir_ / "run" / "final.model").string(); }
  static fs::path dir() { return *dir_; }
  static std::string data() { return data_->string(); }

 private:
  static fs::path* dir_;
  static fs::path* data_;
};

fs::path* Reliability::dir_ = nullptr;
fs::path* Reliability::data_ = nullptr;

TEST_F(Reliability, OutputToAFullDeviceFailsEveryVerb) {
  const std::string m = "'" + model() + "'";
  for (const std::string& verb :
       {"predict " + m + " 'a wonderful film'", "predict " + m + " --json 'a wonderful film'",
        "explain " + m + " 'a wonderful film'", "test " + m + " --data " + data() + " --json",
        "test " + m + " --data " + data() + " --no-plot", std::string("--version"),
        std::string("train --help")}) {
    const CliResult r = run_script("$S " + verb + " > /dev/full");
    expect_error(r, "No space left on device");
    EXPECT_NE(r.output.find("standard output"), std::string::npos) << verb << ": " << r.output;
  }
}

TEST_F(Reliability, AClosedStdoutFailsTheVerb) {
  const CliResult r = run_script("$S predict '" + model() + "' 'a wonderful film' >&-");
  expect_error(r, "standard output");
}

TEST_F(Reliability, OutputsNeverReplaceTheModelBeingRead) {
  const fs::path copy = dir() / "input.model";
  fs::copy_file(model(), copy, fs::copy_options::overwrite_existing);
  const std::string before = read_file(copy);
  expect_error(run_cli("export " + copy.string() + " --safetensors " + copy.string()),
               "it is the model being read");
  expect_error(run_cli("explain " + copy.string() + " 'a film' --html " + copy.string()),
               "it is the model being read");
  fs::create_symlink(copy, dir() / "alias.model");
  expect_error(
      run_cli("export " + copy.string() + " --safetensors " + (dir() / "alias.model").string()),
      "alias.model");
  EXPECT_EQ(read_file(copy), before);
}

TEST_F(Reliability, ExportWritesThroughAFifoAndRefusesOneNobodyReads) {
  const fs::path fifo = dir() / "weights.pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_error(run_cli("export " + model() + " --safetensors " + fifo.string()),
               "nobody is reading");
  EXPECT_TRUE(fs::is_fifo(fifo));
  // With a reader the bytes arrive through the FIFO, which stays a FIFO. The export is
  // retried until the reader has opened its end.
  const fs::path count = dir() / "count";
  const CliResult r = run_script(
      "cat '" + fifo.string() + "' | wc -c > '" + count.string() + "' & " +
      "for i in $(seq 200); do $S export '" + model() + "' --safetensors '" + fifo.string() +
      "' >/dev/null 2>&1 && break; sleep 0.05; done; wait; cat '" + count.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_FALSE(r.output.empty());
  EXPECT_GT(std::stoul(r.output), 1000u) << r.output;
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST_F(Reliability, TrainRefusesToReplaceAFinishedRunUnlessToldTo) {
  const fs::path run = dir() / "second";
  const std::string train = "train --data " + data() + kTiny + " --out " + run.string();
  ASSERT_EQ(run_cli(train).status, 0);
  const std::string model_before = read_file(run / "final.model");
  const std::string history_before = read_file(run / "history.json");
  expect_error(run_cli(train), "already holds a run");
  expect_error(run_cli(train), "--overwrite");
  EXPECT_EQ(read_file(run / "final.model"), model_before);
  EXPECT_EQ(read_file(run / "history.json"), history_before);
  // An --overwrite run that cannot start leaves the old run whole.
  expect_error(run_cli("train --data " + (dir() / "no-such-data").string() + kTiny + " --out " +
                       run.string() + " --overwrite"),
               "no-such-data");
  EXPECT_EQ(read_file(run / "final.model"), model_before);
  const CliResult again = run_cli(train + " --overwrite --seed 7");
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(read_file(run / "final.model"), model_before);
  expect_error(run_cli(train + " --overwrite --resume " + run.string()), "--resume");
  write(dir() / "a-file", "x");
  expect_error(run_cli("train --data " + data() + kTiny + " --out " + (dir() / "a-file").string()),
               "a-file");
}

TEST_F(Reliability, ResumeMessagesSayWhatToDo) {
  const fs::path run = dir() / "run";
  expect_error(run_cli("train --resume " + run.string() + " --epochs 1"),
               "already finished epoch 1");
  expect_error(run_cli("train --resume " + (dir() / "missing").string()), "no such run directory");
  fs::create_directories(dir() / "unfinished");
  write(dir() / "unfinished" / "config.json", read_file(run / "config.json"));
  expect_error(run_cli("train --resume " + (dir() / "unfinished").string()),
               "no epoch of that run finished");
}

TEST_F(Reliability, ADivergedRunStopsWithAnErrorAndSavesNoModel) {
  const fs::path run = dir() / "diverged";
  const CliResult r =
      run_cli("train --data " + data() + kTiny + " --learning-rate 1e30 --out " + run.string());
  expect_error(r, "training diverged at epoch 1");
  EXPECT_NE(r.output.find("--learning-rate"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(run / "final.model"));
  EXPECT_FALSE(fs::exists(run / "best.model"));
  EXPECT_FALSE(fs::exists(run / "checkpoint.state"));
}

TEST(ReliabilityFlags, MessagesSayWhatIsAllowed) {
  CliResult r = run_cli("train --learning-rate 0");
  expect_error(r, "--learning-rate: must be a number > 0, got 0");
  EXPECT_LT(r.output.size(), 200u) << r.output;
  expect_error(run_cli("train --seed -1"), "--seed: must be a whole number >= 0, got -1");
  const fs::path dir = temp_dir("config-dir");
  expect_error(run_cli("train --config " + dir.string()), "it is a directory");
  write(dir / "huge.json", std::string((16 << 20) + 1, ' '));
  expect_error(run_cli("train --config " + (dir / "huge.json").string()), "it is too large");
  r = run_script(
      "echo '{\"training\": {\"epochs\": 3}}' | $S train --config /dev/stdin "
      "--print-config");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"epochs\": 3"), std::string::npos) << r.output;
}

}  // namespace
