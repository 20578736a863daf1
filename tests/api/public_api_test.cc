// The public C++ API, compiled against include/sentiment alone and linked with the shared
// library: train with progress, save, load, predict, explain, errors that name the problem,
// concurrent predict on one model, and the same weights as `sentiment train`.
#include <gtest/gtest.h>

#include <sentiment/sentiment.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using sentiment::testing::read_file;
using sentiment::testing::temp_dir;
using sentiment::testing::write;

const fs::path kModels = SENTIMENT_TEST_MODELS;

// The flags tests/fixtures/tiny_models.sh trains tiny.model with, as a run configuration.
const char* kTinyConfig = R"({
  "data": {"maxlen": 12},
  "model": {"vocab_size": 40, "embedding_dim": 8, "layers": [{"units": 8}]},
  "training": {"epochs": 4, "batch_size": 16, "learning_rate": 0.02}
})";

const std::vector<std::string> kTexts = {
    "a wonderful film, truly moving", "a dull boring movie", "the cast was superb",
    "tedious and dreadful from start to end", "an ordinary story"};

sentiment::TrainOptions tiny_options(size_t threads) {
  sentiment::TrainOptions o;
  o.config = kTinyConfig;
  o.train_data = (kModels / "train.txt").string();
  o.test_data = (kModels / "test.txt").string();
  o.threads = threads;
  return o;
}

template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const sentiment::Error& e) {
    return e.what();
  }
  return "(no sentiment::Error thrown)";
}

TEST(PublicApi, VersionIsTheHeaders) {
  EXPECT_STREQ(sentiment::version(), SENTIMENT_VERSION_STRING);
}

TEST(PublicApi, TrainReportsProgressAndGivesTheCliModel) {
  sentiment::TrainOptions o = tiny_options(1);
  size_t batches = 0, epoch_ends = 0;
  std::vector<std::string> lines;
  o.progress = [&](const sentiment::TrainProgress& p) {
    EXPECT_EQ(p.epochs, 4u);
    if (p.epoch_end) {
      ++epoch_ends;
      EXPECT_EQ(p.epoch, epoch_ends);
      EXPECT_TRUE(p.has_validation);
    } else {
      ++batches;
      EXPECT_GE(p.step, 1u);
      EXPECT_LE(p.step, p.steps);
    }
  };
  o.log = [&](const std::string& line) { lines.push_back(line); };
  const sentiment::TrainResult r = sentiment::train(o);
  EXPECT_EQ(epoch_ends, 4u);
  EXPECT_EQ(batches, 4u * 5u);  // 77 training rows after the 20% validation split, batch 16
  ASSERT_EQ(r.loss.size(), 4u);
  EXPECT_LT(r.loss.back(), r.loss.front());
  EXPECT_TRUE(r.has_test);
  EXPECT_GT(r.test_accuracy, 0.9);
  bool logged_test = false;
  for (const std::string& line : lines) logged_test |= line.rfind("Test Accuracy:", 0) == 0;
  EXPECT_TRUE(logged_test);

  // tiny.model came from `sentiment train` with the same settings: the same weights, so the
  // same probabilities to the last bit.
  const sentiment::Model cli = sentiment::Model::load((kModels / "tiny.model").string());
  EXPECT_EQ(r.model.predict_proba(kTexts), cli.predict_proba(kTexts));
  EXPECT_EQ(r.model.architecture(), cli.architecture());
  EXPECT_EQ(r.model.labels(), (std::vector<std::string>{"bad", "good"}));
}

TEST(PublicApi, TrainingIsTheSameForAnyThreadCount) {
  const sentiment::TrainResult one = sentiment::train(tiny_options(1));
  const sentiment::TrainResult three = sentiment::train(tiny_options(3));
  EXPECT_EQ(one.loss, three.loss);
  EXPECT_EQ(one.model.predict_proba(kTexts), three.model.predict_proba(kTexts));
}

TEST(PublicApi, TrainWritesTheRunFolderAndSaveRoundTrips) {
  const fs::path dir = temp_dir("api-run");
  sentiment::TrainOptions o = tiny_options(2);
  o.out = (dir / "run").string();
  const sentiment::TrainResult r = sentiment::train(o);
  EXPECT_EQ(r.out, o.out);
  for (const char* name : {"final.model", "checkpoint.state", "config.json", "history.json"})
    EXPECT_TRUE(fs::exists(dir / "run" / name)) << name;
  const sentiment::Model loaded = sentiment::Model::load((dir / "run" / "final.model").string());
  EXPECT_EQ(loaded.predict_proba(kTexts), r.model.predict_proba(kTexts));
  EXPECT_NE(loaded.metadata_json().find("\"test_accuracy\""), std::string::npos);

  // A second run into the same folder is refused unless told to overwrite.
  EXPECT_NE(error_of([&] { sentiment::train(o); }).find("already holds a run"), std::string::npos);
  o.overwrite = true;
  EXPECT_NO_THROW(sentiment::train(o));

  r.model.save((dir / "saved.model").string());
  const sentiment::Model saved = sentiment::Model::load((dir / "saved.model").string());
  EXPECT_EQ(saved.predict_proba(kTexts), r.model.predict_proba(kTexts));
  fs::remove_all(dir);
}

TEST(PublicApi, PredictGivesLabelsAndProbabilities) {
  const sentiment::Model m = sentiment::Model::load((kModels / "tiny.model").string());
  EXPECT_EQ(m.num_classes(), 2u);
  EXPECT_EQ(m.max_length(), 12u);
  EXPECT_EQ(m.vocabulary_size(), 40u);
  const std::vector<float> proba = m.predict_proba(kTexts);
  ASSERT_EQ(proba.size(), kTexts.size() * 2);
  const std::vector<sentiment::Prediction> p = m.predict(kTexts);
  ASSERT_EQ(p.size(), kTexts.size());
  for (size_t n = 0; n < p.size(); ++n) {
    EXPECT_FLOAT_EQ(proba[2 * n] + proba[2 * n + 1], 1.0f);
    EXPECT_EQ(p[n].index, proba[2 * n + 1] > 0.5f ? 1u : 0u);
    EXPECT_EQ(p[n].label, m.labels()[p[n].index]);
    EXPECT_EQ(p[n].probability, proba[2 * n + p[n].index]);
  }
  EXPECT_EQ(p[0].label, "good");
  EXPECT_EQ(p[1].label, "bad");
  // The zero-copy overload gives the same.
  const std::vector<std::string_view> views(kTexts.begin(), kTexts.end());
  EXPECT_EQ(m.predict_proba(views.data(), views.size()), proba);
  EXPECT_TRUE(m.predict_proba(nullptr, 0).empty());
}

TEST(PublicApi, MultiClassModelsGiveEveryClass) {
  const sentiment::Model m = sentiment::Model::load((kModels / "three.model").string());
  ASSERT_EQ(m.labels(), (std::vector<std::string>{"bad", "flat", "good"}));
  const std::vector<float> proba = m.predict_proba(kTexts);
  ASSERT_EQ(proba.size(), kTexts.size() * 3);
  const std::vector<sentiment::Prediction> p = m.predict(kTexts);
  for (size_t n = 0; n < p.size(); ++n) {
    EXPECT_NEAR(proba[3 * n] + proba[3 * n + 1] + proba[3 * n + 2], 1.0f, 1e-6f);
    for (size_t k = 0; k < 3; ++k) EXPECT_LE(proba[3 * n + k], p[n].probability);
  }
  EXPECT_NE(m.architecture().find("GRU(8)"), std::string::npos) << m.architecture();
}

TEST(PublicApi, ExplainScoresEveryWordAndRendersEscaped) {
  const sentiment::Model m = sentiment::Model::load((kModels / "tiny.model").string());
  const sentiment::Explanation e = m.explain("a wonderful <script>x</script> film");
  EXPECT_EQ(e.label, m.predict({"a wonderful <script>x</script> film"})[0].label);
  EXPECT_EQ(e.labels, m.labels());
  ASSERT_GE(e.words.size(), 4u);
  EXPECT_EQ(e.words[1].word, "wonderful");
  EXPECT_TRUE(e.words[1].known);
  EXPECT_GT(e.words[1].contribution, 0.0f);
  bool unknown = false;
  for (const auto& w : e.words) unknown |= !w.known && w.index == 2;
  EXPECT_TRUE(unknown);
  const std::string html = sentiment::to_html(e, "t");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(sentiment::to_json(e).find("\"wonderful\""), std::string::npos);
}

TEST(PublicApi, ErrorsNameTheProblem) {
  const fs::path dir = temp_dir("api-errors");
  EXPECT_NE(error_of([&] {
              sentiment::Model::load((dir / "missing.model").string());
            }).find("missing.model"),
            std::string::npos);
  write(dir / "corrupt.model", "LSTMSENT this is not a model");
  EXPECT_NE(error_of([&] {
              sentiment::Model::load((dir / "corrupt.model").string());
            }).find("corrupt.model"),
            std::string::npos);
  std::string damaged = read_file(kModels / "tiny.model");
  damaged[damaged.size() / 2] ^= 0x40;
  write(dir / "damaged.model", damaged);
  EXPECT_NE(error_of([&] {
              sentiment::Model::load((dir / "damaged.model").string());
            }).find("damaged.model"),
            std::string::npos);

  const sentiment::Model m = sentiment::Model::load((kModels / "tiny.model").string());
  EXPECT_NE(error_of([&] { m.predict({"fine", "   "}); }).find("2"), std::string::npos);
  EXPECT_NE(error_of([&] { m.predict({std::string("bad \xff byte")}); }).find("UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([&] { m.predict_proba(nullptr, 3); }).find("null"), std::string::npos);

  sentiment::TrainOptions o = tiny_options(1);
  o.config = "{\"model\": {\"no_such_key\": 1}}";
  EXPECT_NE(error_of([&] { sentiment::train(o); }).find("no_such_key"), std::string::npos);
  o.config = "not json";
  EXPECT_NE(error_of([&] { sentiment::train(o); }).find("JSON"), std::string::npos);
  o = tiny_options(1);
  o.train_data = (dir / "no-corpus.txt").string();
  EXPECT_NE(error_of([&] { sentiment::train(o); }).find("no-corpus.txt"), std::string::npos);
  fs::remove_all(dir);
}

TEST(PublicApi, OneModelPredictsOnManyThreadsAtOnce) {
  const sentiment::Model m = sentiment::Model::load((kModels / "tiny.model").string());
  const std::vector<float> expected = m.predict_proba(kTexts);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        if (m.predict_proba(kTexts) != expected) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(PublicApi, QuantizedModelsLoadAndPredictLikeTheirFloatModel) {
  const fs::path dir = temp_dir("api-quantized");
  const fs::path q = dir / "tiny.int8.model";
  const auto r = sentiment::testing::run_cli("quantize " + (kModels / "tiny.model").string() + " " +
                                             q.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const sentiment::Model f = sentiment::Model::load((kModels / "tiny.model").string());
  const sentiment::Model m = sentiment::Model::load(q.string());
  EXPECT_EQ(m.labels(), f.labels());
  const std::vector<float> pf = f.predict_proba(kTexts), pq = m.predict_proba(kTexts);
  ASSERT_EQ(pq.size(), pf.size());
  // The int8 rounding of the weights and of each step's h moves these by well under 0.02.
  for (size_t i = 0; i < pf.size(); ++i) EXPECT_NEAR(pq[i], pf[i], 0.02f) << i;
  const std::vector<sentiment::Prediction> p = m.predict(kTexts);
  ASSERT_EQ(p.size(), kTexts.size());
  EXPECT_EQ(m.explain(kTexts[0]).words.size(), 5u);
  fs::remove_all(dir);
}

}  // namespace
