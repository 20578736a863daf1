// The C API against the C++ API through the same shared library: the same probabilities to the
// last bit, the same labels, and the same messages; also compiles sentiment_c.h as C++.
#include <gtest/gtest.h>

#include <sentiment/sentiment.h>
#include <sentiment/sentiment_c.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kModels = SENTIMENT_TEST_MODELS;

const std::vector<std::string> kTexts = {
    "a wonderful film, truly moving",
    "a dull boring movie",
    "the cast was superb",
    "tedious and dreadful from start to end",
    "an ordinary story",
    "plain average ordinary",
    "unknown words only: zyzzyva quux",
    "a wonderful film, truly moving, a wonderful film, truly moving, and then some more words "
    "than the model reads",
    "Ünïcödé wörds and a great ending"};

struct CModel {
  sentiment_model* model = nullptr;
  ~CModel() { sentiment_model_free(model); }
};

class CApiParity : public ::testing::TestWithParam<const char*> {};

TEST_P(CApiParity, ProbabilitiesAndLabelsAreTheCppApis) {
  const std::string path = (kModels / GetParam()).string();
  const sentiment::Model cpp = sentiment::Model::load(path);
  CModel c;
  ASSERT_EQ(sentiment_model_load(path.c_str(), 0, &c.model), SENTIMENT_OK)
      << sentiment_last_error();
  const size_t K = cpp.num_classes();
  ASSERT_EQ(sentiment_model_num_classes(c.model), K);
  for (size_t k = 0; k < K; ++k) EXPECT_EQ(sentiment_model_label(c.model, k), cpp.labels()[k]);

  std::vector<const char*> texts;
  std::vector<size_t> lengths;
  for (const std::string& t : kTexts) {
    texts.push_back(t.c_str());
    lengths.push_back(t.size());
  }
  const size_t N = texts.size();
  const std::vector<float> expected = cpp.predict_proba(kTexts);
  std::vector<float> got(N * K);
  ASSERT_EQ(sentiment_predict(c.model, texts.data(), lengths.data(), N, got.data(), got.size()),
            SENTIMENT_OK)
      << sentiment_last_error();
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0);

  // One text at a time is what the C++ API gives for that text alone.
  for (size_t n = 0; n < N; ++n) {
    std::vector<float> one(K);
    ASSERT_EQ(sentiment_predict(c.model, &texts[n], nullptr, 1, one.data(), K), SENTIMENT_OK);
    const std::vector<float> cpp_one = cpp.predict_proba({kTexts[n]});
    EXPECT_EQ(std::memcmp(one.data(), cpp_one.data(), K * sizeof(float)), 0) << "text " << n;
  }

  const std::vector<sentiment::Prediction> predictions = cpp.predict(kTexts);
  std::vector<size_t> labels(N);
  std::vector<float> best(N);
  ASSERT_EQ(
      sentiment_predict_labels(c.model, texts.data(), nullptr, N, labels.data(), best.data(), N),
      SENTIMENT_OK);
  for (size_t n = 0; n < N; ++n) {
    EXPECT_EQ(labels[n], predictions[n].index) << "text " << n;
    EXPECT_EQ(std::memcmp(&best[n], &predictions[n].probability, sizeof(float)), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CApiParity, ::testing::Values("tiny.model", "three.model"));

TEST(CApi, MessagesAreTheCppApis) {
  const std::string path = (kModels / "tiny.model").string();
  const sentiment::Model cpp = sentiment::Model::load(path);
  CModel c;
  ASSERT_EQ(sentiment_model_load(path.c_str(), 1, &c.model), SENTIMENT_OK);
  const std::vector<std::string> bad = {"fine", "bad \xff byte"};
  std::string expected;
  try {
    cpp.predict_proba(bad);
  } catch (const sentiment::Error& e) {
    expected = e.what();
  }
  const char* texts[] = {bad[0].c_str(), bad[1].c_str()};
  float p[4];
  EXPECT_EQ(sentiment_predict(c.model, texts, nullptr, 2, p, 4), SENTIMENT_ERROR_TEXT);
  EXPECT_EQ(sentiment_last_error(), expected);
  EXPECT_FALSE(expected.empty());
}

TEST(CApi, VersionIsTheCppApis) {
  EXPECT_STREQ(sentiment_version(), sentiment::version());
}

}  // namespace
