// The public header alone is enough to train a model, save it, load it and label text.
#include <gtest/gtest.h>

#include <sentiment/sentiment.h>
#include <filesystem>

namespace {

TEST(PublicApi, TrainSaveLoadPredict) {
  // Reviews where "good" or "bad" decides the label.
  const std::vector<std::string> texts = {"good film", "bad film", "a good one", "a bad one",
                                          "good good", "bad bad",  "film good",  "film bad"};
  std::vector<std::string_view> views(texts.begin(), texts.end());
  const auto vocab = sentiment::data::Vocabulary::build(views, 10);
  sentiment::Preprocessing pre;
  pre.maxlen = 4;
  sentiment::Model model(sentiment::lstm_config(10, 4, 4));
  sentiment::Rng rng(1);
  model.initialize(rng);
  sentiment::Classifier untrained(model, vocab, pre);
  const std::vector<int32_t> rows = untrained.encode(views);
  sentiment::data::EncodedSplit data;
  data.n = texts.size();
  data.maxlen = pre.maxlen;
  data.tokens = rows;
  for (size_t k = 0; k < texts.size(); ++k) data.labels.push_back(k % 2 == 0 ? 1.0f : 0.0f);
  sentiment::TrainConfig cfg;
  cfg.epochs = 150;
  cfg.batch_size = 8;
  cfg.validation_split = 0.0;
  cfg.adam.learning_rate = 0.05;
  sentiment::ThreadPool pool(1);
  sentiment::fit(model, data, cfg, pool);

  const auto path = std::filesystem::temp_directory_path() / "sentiment-api.model";
  sentiment::save_model(path, sentiment::Classifier(model, vocab, pre));
  const sentiment::Classifier c = sentiment::load_model(path);
  const std::vector<std::string_view> fresh = {"good", "bad"};
  const std::vector<float> p = c.predict(fresh, pool);
  EXPECT_EQ(c.label_for(p[0]), "positive");
  EXPECT_EQ(c.label_for(p[1]), "negative");
  std::filesystem::remove(path);
}

}  // namespace
