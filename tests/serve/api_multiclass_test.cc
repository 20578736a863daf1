// The JSON API with a model of more than two classes: /predict names the top class and
// gives every class's probability, /explain attributes to the predicted class, and
// /metadata describes the layer stack.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "explain/toy_classifier.h"
#include "serve/api.h"

namespace sentiment::serve {
namespace {

using Json = nlohmann::json;

Classifier three_classes() {
  ModelConfig cfg = lstm_config(testing::kToyWords.size() + data::kMinNumWords, 4, 5);
  cfg.layers[0].cell = CellType::kGru;
  cfg.layers[0].bidirectional = true;
  cfg.pooling = Pooling::kMean;
  cfg.mask_zero = true;
  cfg.num_classes = 3;
  Model model(cfg);
  Rng rng(12);
  for (auto& w : model.params()) w = static_cast<float>(rng.uniform(-0.8, 0.8));
  Preprocessing pre;
  pre.maxlen = 8;
  return Classifier(
      std::move(model),
      data::Vocabulary::from_ranked(testing::kToyWords, static_cast<int32_t>(cfg.vocab_size)), pre,
      {"sad", "calm", "happy"});
}

TEST(ApiMulticlass, PredictGivesTopClassAndEveryProbability) {
  const Classifier c = three_classes();
  const Api api(c, ApiLimits{});
  const ApiResponse r =
      api.handle("POST", "/predict", R"({"texts": ["a great good film", "awful bad"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  ThreadPool pool(1);
  const std::string_view texts[] = {"a great good film", "awful bad"};
  const std::vector<float> p = c.predict_proba(texts, pool);
  ASSERT_EQ(j["predictions"].size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const Json& row = j["predictions"][k];
    const std::span<const float> probs(p.data() + 3 * k, 3);
    const size_t top = Classifier::top_class(probs);
    EXPECT_EQ(row["label"], c.labels()[top]);
    EXPECT_FLOAT_EQ(row["probability"].get<float>(), probs[top]);
    double sum = 0.0;
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_FLOAT_EQ(row["probabilities"][c.labels()[i]].get<float>(), probs[i]);
      sum += row["probabilities"][c.labels()[i]].get<double>();
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(ApiMulticlass, ExplainAndMetadata) {
  const Classifier c = three_classes();
  const Api api(c, ApiLimits{});
  const ApiResponse e = api.handle("POST", "/explain", R"({"text": "a great good film"})");
  ASSERT_EQ(e.status, 200) << e.body;
  const Json je = Json::parse(e.body);
  ThreadPool pool(1);
  const std::string_view text[] = {"a great good film"};
  const std::vector<float> p = c.predict_proba(text, pool);
  EXPECT_EQ(je["label"], c.labels()[Classifier::top_class(p)]);
  const ApiResponse m = api.handle("GET", "/metadata", "");
  ASSERT_EQ(m.status, 200) << m.body;
  const Json jm = Json::parse(m.body);
  EXPECT_EQ(jm["model"]["layers"][0]["cell"], "gru");
  EXPECT_EQ(jm["model"]["layers"][0]["bidirectional"], true);
  EXPECT_EQ(jm["model"]["output"], "softmax");
  EXPECT_EQ(jm["labels"], Json({"sad", "calm", "happy"}));
}

}  // namespace
}  // namespace sentiment::serve
