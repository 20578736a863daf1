// `sentiment explain` as a user runs it: a table when stdout is not a terminal, JSON with
// --json, an HTML page with --html, text from stdin with "-", and one "error:" line for
// text the model cannot read.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "explain/toy_classifier.h"
#include "io/model_file.h"
#include "support/run_cli.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

using Result = testing::CliResult;

Result run(const std::string& args, const std::string& input = "") {
  return testing::run_cli(args, input);
}

class ExplainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sentiment-explain-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    model_ = dir_ / "toy.model";
    save_model(model_, testing::toy_classifier());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_, model_;
};

TEST_F(ExplainCli, TableWhenNotATerminal) {
  const Result r = run("explain " + model_.string() + " 'great film, bad ending'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("positive  p(positive) = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("great"), std::string::npos);
  EXPECT_NE(r.output.find("ending"), std::string::npos);
}

TEST_F(ExplainCli, JsonAndHtml) {
  const fs::path html = dir_ / "out.html";
  const Result r =
      run("explain " + model_.string() + " 'awful film' --json --html " + html.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const size_t at = r.output.find('{');
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string json = r.output.substr(at, r.output.find('\n', at) - at);
  EXPECT_NE(r.output.find("Wrote " + html.string()), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["label"], "negative");
  ASSERT_EQ(j["words"].size(), 2u);
  EXPECT_LT(j["words"][0]["contribution"].get<double>(), 0.0);
  std::ifstream in(html);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find(">awful</span>"), std::string::npos);
}

TEST_F(ExplainCli, ReadsStdin) {
  const Result r = run("explain " + model_.string() + " - --json", "printf 'good good'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["words"].size(), 2u);
}

TEST_F(ExplainCli, UnreadableTextIsAnError) {
  Result r = run("explain " + model_.string() + " '   '");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("error: text 1 is empty"), std::string::npos) << r.output;
  r = run("explain " + model_.string() + " \"$(printf 'bad \\377 byte')\"");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("UTF-8"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sentiment
