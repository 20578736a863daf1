// The input policy through the CLI: a Latin-1 line in the middle of predict's stdin gives
// the same output and exit status at every --batch-size under each --on-error policy,
// --input-encoding latin-1 predicts it as its UTF-8 form, `-` cannot be mixed with texts,
// and `test` and `train` fail on or skip a bad row of a labelled file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

namespace {

namespace fs = std::filesystem;

using sentiment::testing::read_file;
using sentiment::testing::run_cli;
using sentiment::testing::temp_dir;
using sentiment::testing::write;

// stdout and stderr apart: records go to stdout, counts and errors to stderr.
struct Split {
  int status = -1;
  std::string out;
  std::string err;
};

Split run_split(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt";
  const fs::path err = dir / "stderr.txt";
  const std::string cmd =
      std::string(SENTIMENT_BIN) + " " + args + " > " + out.string() + " 2> " + err.string();
  const int status = std::system(cmd.c_str());
  Split r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

// "caf\xE9" is Latin-1; its UTF-8 form is "caf\xC3\xA9".
const std::string kLatin1Line = "a caf\xE9 scene, wonderful and moving";
const std::string kUtf8Line = "a caf\xC3\xA9 scene, wonderful and moving";
constexpr size_t kLines = 1000;
constexpr size_t kBadLine = 501;

std::string review(size_t k) {
  return k % 2 == 0 ? "a wonderful moving film number " + std::to_string(k)
                    : "a dull awful film number " + std::to_string(k);
}

// A labelled TSV corpus of two classes; `extra` rows are appended as they are.
std::string corpus_tsv(int rows, const std::string& extra = "") {
  std::string tsv = "text\tlabel\n";
  for (int k = 0; k < rows; ++k) {
    tsv += k % 2 == 0 ? "a wonderful moving film\tpositive\n" : "a dull awful film\tnegative\n";
  }
  return tsv + extra;
}

// A tiny model trained once per test from a TSV corpus.
class InputPolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    write(dir_ / "train.tsv", corpus_tsv(24));
    const auto r = run_cli("train --train " + (dir_ / "train.tsv").string() +
                           " --epochs 1 --maxlen 8 --batch-size 8 --units 4 --embedding-dim 4 "
                           "--no-plot --out " +
                           (dir_ / "run").string());
    ASSERT_EQ(r.status, 0) << r.output;
    model_ = (dir_ / "run" / "final.model").string();
    std::string input;
    for (size_t k = 1; k <= kLines; ++k) input += (k == kBadLine ? kLatin1Line : review(k)) + "\n";
    input_ = dir_ / "input.txt";
    write(input_, input);
  }

  Split predict(const std::string& flags) {
    return run_split("predict " + model_ + " " + flags + " < " + input_.string(), dir_);
  }

  fs::path dir_;
  std::string model_;
  fs::path input_;
};

// Default (fail): exactly the 500 lines before the bad one are printed, then an error naming
// line 501 and the byte offset, at any batch size.
TEST_F(InputPolicyCli, FailPrintsTheLinesBeforeTheBadOneAtAnyBatchSize) {
  const Split big = predict("--batch-size 1024");
  const Split small = predict("--batch-size 100");
  const Split one = predict("--batch-size 1 --on-error fail");
  for (const Split* r : {&big, &small, &one}) {
    EXPECT_NE(r->status, 0) << r->err;
    EXPECT_EQ(lines_of(r->out).size(), kBadLine - 1) << r->err;
    EXPECT_TRUE(has(r->err, "error:")) << r->err;
    EXPECT_TRUE(has(r->err, "line 501 is not valid UTF-8")) << r->err;
    EXPECT_TRUE(has(r->err, "0xE9 at byte offset 5")) << r->err;
  }
  EXPECT_EQ(big.out, small.out);
  EXPECT_EQ(big.out, one.out);
  EXPECT_EQ(big.status, small.status);
  EXPECT_EQ(big.err, small.err);
}

// skip: one record per input line; line 501's is an error record; the count on stderr.
TEST_F(InputPolicyCli, SkipPrintsAnErrorRecordInPlaceOfTheBadLine) {
  const Split big = predict("--on-error skip --batch-size 1024");
  const Split small = predict("--on-error skip --batch-size 100");
  for (const Split* r : {&big, &small}) {
    ASSERT_EQ(r->status, 0) << r->err;
    const auto lines = lines_of(r->out);
    ASSERT_EQ(lines.size(), kLines) << r->err;
    EXPECT_TRUE(lines[kBadLine - 1].starts_with("error: line 501 is not valid UTF-8"))
        << lines[kBadLine - 1];
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& l) { return l.starts_with("error:"); }),
              1);
    EXPECT_TRUE(has(r->err, "skipped 1 of 1000 lines")) << r->err;
  }
  EXPECT_EQ(big.out, small.out);

  const Split json = predict("--on-error skip --json --batch-size 100");
  ASSERT_EQ(json.status, 0) << json.err;
  const auto lines = lines_of(json.out);
  ASSERT_EQ(lines.size(), kLines);
  const auto bad = nlohmann::json::parse(lines[kBadLine - 1]);
  EXPECT_EQ(bad["line"], kBadLine);
  EXPECT_TRUE(has(bad["error"].get<std::string>(), "offset 5")) << bad;
  EXPECT_TRUE(nlohmann::json::parse(lines[kBadLine])["label"].is_string());
  EXPECT_EQ(json.out, predict("--on-error skip --json --batch-size 1024").out);
}

// replace: the bad byte becomes U+FFFD and every line is predicted.
TEST_F(InputPolicyCli, ReplacePredictsEveryLine) {
  const Split big = predict("--on-error replace");
  const Split small = predict("--on-error replace --batch-size 100");
  ASSERT_EQ(big.status, 0) << big.err;
  const auto lines = lines_of(big.out);
  ASSERT_EQ(lines.size(), kLines);
  for (const std::string& line : lines) EXPECT_FALSE(line.starts_with("error")) << line;
  EXPECT_EQ(big.out, small.out);
}

// latin-1: line 501 is predicted exactly as its UTF-8 form given as an argument.
TEST_F(InputPolicyCli, Latin1PredictsTheLineAsItsUtf8Form) {
  const Split latin1 = predict("--input-encoding latin-1 --json");
  ASSERT_EQ(latin1.status, 0) << latin1.err;
  const auto lines = lines_of(latin1.out);
  ASSERT_EQ(lines.size(), kLines);
  write(dir_ / "utf8.txt", kUtf8Line + "\n");
  const Split utf8 =
      run_split("predict " + model_ + " --json < " + (dir_ / "utf8.txt").string(), dir_);
  ASSERT_EQ(utf8.status, 0) << utf8.err;
  EXPECT_EQ(lines[kBadLine - 1] + "\n", utf8.out);
  // Every other line is ASCII: the same in both encodings.
  const Split plain = predict("--on-error skip --json");
  EXPECT_EQ(lines_of(plain.out)[kBadLine - 2], lines[kBadLine - 2]);
}

// Standard input arrives in pieces through a pipe (a writer that pauses between lines),
// CR LF line ends and a last line without '\n': the records are the ones the same texts
// get as arguments, in order, at any batch size.
TEST_F(InputPolicyCli, StdinThroughAPipeInPiecesMatchesTheArguments) {
  const auto args = run_cli("predict " + model_ + " 'a wonderful film' 'a dull awful film' 'fine'");
  ASSERT_EQ(args.status, 0) << args.output;
  for (const char* batch : {"1", "2", "1024"}) {
    const auto piped =
        run_cli(std::string("predict ") + model_ + " --batch-size " + batch,
                "{ printf 'a wonderful film\\r\\n'; sleep 0.3; printf 'a dull awful film\\n'; "
                "sleep 0.3; printf 'fine'; }");
    ASSERT_EQ(piped.status, 0) << piped.output;
    EXPECT_EQ(piped.output, args.output) << "batch " << batch;
  }
}

// A line far over the size limit, with no line break at all, is refused by its length
// (read in bounded memory, not buffered whole); under skip the lines around it still print.
TEST_F(InputPolicyCli, AnOverlongLineIsNamedByItsLength) {
  const std::string make =
      "{ echo 'a wonderful film'; head -c 3000000 /dev/zero | tr '\\0' x; "
      "echo; echo 'a dull awful film'; }";
  const auto fail = run_cli("predict " + model_, make);
  EXPECT_NE(fail.status, 0) << fail.output.substr(0, 500);
  EXPECT_TRUE(has(fail.output, "line 2 is 3000000 bytes, over the limit of 1048576"))
      << fail.output.substr(0, 500);
  EXPECT_EQ(std::count(fail.output.begin(), fail.output.end(), '\n'), 2) << fail.output;
  const auto skip = run_cli("predict " + model_ + " --on-error skip", make);
  EXPECT_EQ(skip.status, 0) << skip.output.substr(0, 500);
  const auto lines = lines_of(skip.output);
  ASSERT_EQ(lines.size(), 4u) << skip.output.substr(0, 500);  // 3 records + the skip count
  EXPECT_TRUE(lines[1].starts_with("error: line 2 is 3000000 bytes")) << lines[1];
}

// `-` means stdin, alone; among texts it is an error that says so.
TEST_F(InputPolicyCli, DashWithTextsIsAnError) {
  for (const char* args : {" - 'bad film'", " 'bad film' -"}) {
    const auto r = run_cli("predict " + model_ + args, "echo 'a wonderful film'");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_TRUE(has(r.output, "error:")) << r.output;
    EXPECT_TRUE(has(r.output, "'-' reads the texts from standard input")) << r.output;
  }
  const auto ok = run_cli("predict " + model_ + " -", "printf 'a wonderful film\\nawful\\n'");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(lines_of(ok.output).size(), 2u) << ok.output;
}

// Arguments go through the same policy as lines.
TEST_F(InputPolicyCli, ArgumentsFollowThePolicy) {
  const std::string bad = "'" + kLatin1Line + "'";
  auto r = run_cli("predict " + model_ + " 'a dull film' " + bad);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "argument 2 is not valid UTF-8")) << r.output;
  r = run_cli("predict " + model_ + " --input-encoding latin-1 'a dull film' " + bad);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines_of(r.output).size(), 2u) << r.output;
}

// test: a labelled TSV with a Latin-1 text and an unknown label, under fail, skip, latin-1.
TEST_F(InputPolicyCli, TestFailsOnOrSkipsBadRows) {
  const fs::path tsv = dir_ / "test.tsv";
  // Rows are lines 2..11, then the bad text on line 12 and the bad label on line 13.
  write(tsv, corpus_tsv(10, kLatin1Line + "\tpositive\na fine film\tneutral\n"));
  const std::string base = "test " + model_ + " --no-plot --json --test " + tsv.string();
  Split r = run_split(base, dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(has(r.err, "test.tsv:12: text is not valid UTF-8")) << r.err;
  EXPECT_TRUE(has(r.err, "byte offset 5")) << r.err;

  r = run_split(base + " --on-error skip", dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n"], 10) << r.out;
  EXPECT_TRUE(has(r.err, "skipped 2 rows of")) << r.err;
  EXPECT_TRUE(has(r.err, "test.tsv:12")) << r.err;

  // Latin-1 decodes line 12; the unknown label on line 13 is still an error unless skipped.
  r = run_split(base + " --input-encoding latin-1", dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(has(r.err, "test.tsv:13: label 'neutral'")) << r.err;
  r = run_split(base + " --input-encoding latin-1 --on-error skip", dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n"], 11) << r.out;
  EXPECT_TRUE(has(r.err, "skipped 1 row of")) << r.err;
}

// train: the policy flags are run-config options, and skip drops the bad row.
TEST_F(InputPolicyCli, TrainTakesThePolicy) {
  const fs::path tsv = dir_ / "bad.tsv";
  write(tsv, corpus_tsv(12, kLatin1Line + "\tpositive\n"));
  const std::string base = "train --train " + tsv.string() +
                           " --epochs 1 --maxlen 8 --units 4 --embedding-dim 4 --no-plot --out ";
  auto r = run_cli(base + (dir_ / "fail").string());
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "bad.tsv:14: text is not valid UTF-8")) << r.output;
  r = run_cli(base + (dir_ / "skip").string() + " --on-error skip");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "skipped 1 row of")) << r.output;
  EXPECT_TRUE(has(r.output, "Loaded 12 train")) << r.output;
  const auto cfg = nlohmann::json::parse(read_file(dir_ / "skip" / "config.json"));
  EXPECT_EQ(cfg["data"]["on_error"], "skip");
  EXPECT_EQ(cfg["data"]["input_encoding"], "utf-8");
  r = run_cli(base + (dir_ / "latin1").string() + " --input-encoding latin-1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "Loaded 13 train")) << r.output;
  EXPECT_NE(run_cli("train --print-config --on-error ignore").status, 0);
}

}  // namespace
