// `sentiment quantize` as a user runs it: sizes printed, the int8 model loads in predict,
// test and explain with probabilities close to the float model's, and it refuses to write
// over its input, to quantize twice, or to read a damaged file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using sentiment::testing::expect_error;
using sentiment::testing::read_file;
using sentiment::testing::run_cli;
using sentiment::testing::temp_dir;
using sentiment::testing::write;

const fs::path kModels = SENTIMENT_TEST_MODELS;

// P(positive) per line of `predict` output ("label\tprobability").
std::vector<double> probabilities(const std::string& output) {
  std::vector<double> p;
  std::istringstream in(output);
  std::string label;
  double v;
  while (in >> label >> v) p.push_back(v);
  return p;
}

// The tiny model's probabilities move by the int8 rounding of its weights and of h at each
// step; 0.02 is several times what they move by.
constexpr double kProbabilityTolerance = 0.02;

const char* kReviews =
    "a wonderful film, truly moving\na dull boring movie\nthe cast was superb\n"
    "tedious and dreadful from start to end\n";

TEST(QuantizeCli, WritesASmallerModelThatPredictsLikeTheFloatOne) {
  const fs::path dir = temp_dir("quantize");
  const fs::path in = kModels / "tiny.model", out = dir / "tiny.int8.model";
  const auto q = run_cli("quantize " + in.string() + " " + out.string());
  ASSERT_EQ(q.status, 0) << q.output;
  EXPECT_NE(q.output.find("MB ->"), std::string::npos) << q.output;
  EXPECT_NE(q.output.find("step products: "), std::string::npos) << q.output;
  ASSERT_TRUE(fs::exists(out));
  EXPECT_LT(fs::file_size(out), fs::file_size(in));

  write(dir / "reviews.txt", kReviews);
  const auto pf = run_cli("predict " + in.string() + " - < " + (dir / "reviews.txt").string());
  const auto pq = run_cli("predict " + out.string() + " - < " + (dir / "reviews.txt").string());
  ASSERT_EQ(pf.status, 0) << pf.output;
  ASSERT_EQ(pq.status, 0) << pq.output;
  const std::vector<double> f = probabilities(pf.output), g = probabilities(pq.output);
  ASSERT_EQ(f.size(), 4u) << pf.output;
  ASSERT_EQ(g.size(), f.size()) << pq.output;
  for (size_t i = 0; i < f.size(); ++i) EXPECT_NEAR(g[i], f[i], kProbabilityTolerance) << i;

  const auto tf =
      run_cli("test " + in.string() + " --json --test " + (kModels / "test.txt").string());
  const auto tq =
      run_cli("test " + out.string() + " --json --test " + (kModels / "test.txt").string());
  ASSERT_EQ(tq.status, 0) << tq.output;
  const auto jf = nlohmann::json::parse(tf.output.substr(tf.output.find('{')));
  const auto jq = nlohmann::json::parse(tq.output.substr(tq.output.find('{')));
  EXPECT_EQ(jq["n"], jf["n"]);
  EXPECT_NEAR(jq["accuracy"].get<double>(), jf["accuracy"].get<double>(), 0.05);

  const auto e = run_cli("explain " + out.string() + " \"a wonderful moving film\"");
  EXPECT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("wonderful"), std::string::npos) << e.output;
}

TEST(QuantizeCli, RefusesItsInputTwiceQuantizingAndDamagedFiles) {
  const fs::path dir = temp_dir("quantize-refuse");
  const fs::path model = dir / "m.model";
  fs::copy_file(kModels / "tiny.model", model);
  const std::string before = read_file(model);
  expect_error(run_cli("quantize " + model.string() + " " + model.string()), "refusing to write");
  EXPECT_EQ(read_file(model), before);

  const fs::path q = dir / "q.model";
  ASSERT_EQ(run_cli("quantize " + model.string() + " " + q.string()).status, 0);
  expect_error(run_cli("quantize " + q.string() + " " + (dir / "qq.model").string()),
               "already quantized");
  EXPECT_FALSE(fs::exists(dir / "qq.model"));

  std::string bytes = read_file(q);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  write(dir / "bad.model", bytes);
  expect_error(
      run_cli("quantize " + (dir / "bad.model").string() + " " + (dir / "o.model").string()),
      "checksum");
  expect_error(run_cli("predict " + (dir / "bad.model").string() + " \"a film\""), "checksum");
}

}  // namespace
