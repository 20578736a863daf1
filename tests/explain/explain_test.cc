// Occlusion explanations: one score per tokenizer word, the right signs and order on a model
// whose weights fix every word's direction, scores equal to the classifier's own prediction
// without the word (truncation included), truncated words flagged with 0, and renderers that
// escape everything.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/error.h"
#include "data/tokenizer.h"
#include "explain/explain.h"
#include "explain/toy_classifier.h"

namespace sentiment {
namespace {

using testing::random_classifier;
using testing::toy_classifier;

// Scores and the probability they are checked against come from different batches of the
// same forward pass; BLAS may order a row's sums differently by batch shape, which moves a
// probability by a few float ulps, never more.
constexpr float kBatchShapeTolerance = 1e-6f;

float predict_one(const Classifier& c, const std::string& text) {
  ThreadPool pool(1);
  const std::string_view v[] = {text};
  return c.predict(v, pool)[0];
}

// The text made of every word except words[skip].
std::string without(const std::vector<std::string>& words, size_t skip) {
  std::string out;
  for (size_t k = 0; k < words.size(); ++k)
    if (k != skip) out += (out.empty() ? "" : " ") + words[k];
  return out.empty() ? "." : out;  // "." has no words but is not empty
}

TEST(Explain, OneScorePerTokenizerWordInOrder) {
  const Classifier c = toy_classifier();
  const std::string text = "The film was GREAT<br />don't miss it, café!";
  ThreadPool pool(1);
  const Explanation e = explain(c, text, pool);
  std::vector<std::string> words;
  data::tokenize(text, words);
  ASSERT_EQ(e.words.size(), words.size());
  for (size_t k = 0; k < words.size(); ++k) {
    EXPECT_EQ(e.words[k].word, words[k]);
    EXPECT_EQ(e.words[k].index, c.vocabulary().index_of(words[k]));
    EXPECT_FALSE(e.words[k].truncated);
  }
  EXPECT_EQ(e.words[0].index, 9);                // "the": rank 6
  EXPECT_EQ(e.words[5].index, data::kOovIndex);  // "miss"
  EXPECT_EQ(e.label, c.label_for(e.probability));
  EXPECT_EQ(e.labels[1], "positive");
}

TEST(Explain, SignsAndOrderFollowTheWeights) {
  const Classifier c = toy_classifier();
  ThreadPool pool(1);
  const Explanation e = explain(c, "bad film, great and good", pool);
  ASSERT_EQ(e.words.size(), 5u);
  const float bad = e.words[0].contribution, film = e.words[1].contribution,
              great = e.words[2].contribution, good = e.words[4].contribution;
  EXPECT_GT(great, good);
  EXPECT_GT(good, 0.01f);
  EXPECT_LT(bad, -0.01f);
  EXPECT_NEAR(film, 0.0f, kBatchShapeTolerance);  // embedding 0: the state does not move
  EXPECT_EQ(e.label, "positive");

  const Explanation n = explain(c, "awful, bad, good film", pool);
  EXPECT_LT(n.words[0].contribution, n.words[1].contribution);  // awful beats bad
  EXPECT_LT(n.words[1].contribution, 0.0f);
  EXPECT_GT(n.words[2].contribution, 0.0f);
  EXPECT_EQ(n.label, "negative");
}

TEST(Explain, BaseProbabilityIsThePrediction) {
  for (const auto& text : {"great film", "the film was bad and awful, don't", "!!!"}) {
    const Classifier c = random_classifier(7);
    ThreadPool pool(1);
    const Explanation e = explain(c, text, pool);
    EXPECT_NEAR(e.probability, predict_one(c, text), kBatchShapeTolerance) << text;
  }
}

// The score is defined as p(text) - p(text without that occurrence), with the model's own
// truncation: under "pre" truncation removing a word lets an earlier one slide into view.
TEST(Explain, ScoreIsTheDropWhenTheWordIsRemoved) {
  for (const data::PadMode mode : {data::PadMode::kPre, data::PadMode::kPost}) {
    const Classifier c = random_classifier(11, /*maxlen=*/5, mode);
    const std::vector<std::string> words = {"awful", "great", "film",  "good",
                                            "bad",   "the",   "zebra", "was"};
    std::string text;
    for (const auto& w : words) text += w + " ";
    ThreadPool pool(1);
    const Explanation e = explain(c, text, pool);
    ASSERT_EQ(e.words.size(), words.size());
    for (size_t k = 0; k < words.size(); ++k) {
      if (e.words[k].truncated) continue;
      const float expected = predict_one(c, text) - predict_one(c, without(words, k));
      EXPECT_NEAR(e.words[k].contribution, expected, 2 * kBatchShapeTolerance)
          << "word " << k << " mode " << static_cast<int>(mode);
    }
  }
}

TEST(Explain, TruncatedWordsAreFlaggedWithZero) {
  // maxlen 4 over [start, 6 words]: "pre" keeps the last 4 words, "post" the start marker
  // and the first 3.
  const std::string text = "awful bad film great good great";
  ThreadPool pool(1);
  const Explanation pre = explain(toy_classifier(4, data::PadMode::kPre), text, pool);
  ASSERT_EQ(pre.words.size(), 6u);
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(pre.words[k].truncated, k < 2) << k;
    if (k < 2) {
      EXPECT_EQ(pre.words[k].contribution, 0.0f);
    }
  }
  EXPECT_GT(pre.words[3].contribution, 0.0f);  // seen, and pushes positive

  const Explanation post = explain(toy_classifier(4, data::PadMode::kPost), text, pool);
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(post.words[k].truncated, k >= 3) << k;
    if (k >= 3) {
      EXPECT_EQ(post.words[k].contribution, 0.0f);
    }
  }
  EXPECT_LT(post.words[0].contribution, 0.0f);
  EXPECT_EQ(post.label, "negative");  // only awful, bad, film are seen
}

TEST(Explain, RejectsWhatPredictRejects) {
  const Classifier c = toy_classifier();
  ThreadPool pool(1);
  EXPECT_THROW(explain(c, "", pool), Error);
  EXPECT_THROW(explain(c, " \n\t", pool), Error);
  EXPECT_THROW(explain(c, "bad \xff bytes", pool), Error);
  const Explanation e = explain(c, "?!", pool);  // visible, but no words
  EXPECT_TRUE(e.words.empty());
}

TEST(Render, JsonHasEveryWord) {
  ThreadPool pool(1);
  const Explanation e = explain(toy_classifier(3), "great film, bad acting", pool);
  const auto j = nlohmann::json::parse(render_json(e));
  EXPECT_EQ(j["label"], e.label);
  EXPECT_EQ(j["probability"].get<float>(), e.probability);
  ASSERT_EQ(j["words"].size(), 4u);
  EXPECT_EQ(j["words"][0]["word"], "great");
  EXPECT_EQ(j["words"][0]["truncated"], true);
  EXPECT_EQ(j["words"][3]["index"], data::kOovIndex);
  EXPECT_EQ(j["words"][2]["contribution"].get<float>(), e.words[2].contribution);
}

TEST(Render, HtmlIsSelfContainedAndEscaped) {
  const Classifier c = toy_classifier(3, data::PadMode::kPre, {"<b>neg</b>", "pos & \"good\""});
  ThreadPool pool(1);
  const Explanation e = explain(c, "<script>alert(1)</script> great don't bad", pool);
  const std::string html = render_html(e, "<title>");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>neg"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;neg&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("pos &amp; &quot;good&quot;"), std::string::npos);
  EXPECT_NE(html.find("&lt;title&gt;"), std::string::npos);
  EXPECT_NE(html.find(">don&#39;t<"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // no external resources
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("rgba(22,163,74,"), std::string::npos);  // great: green
  EXPECT_NE(html.find("rgba(220,38,38,"), std::string::npos);  // bad: red
  EXPECT_NE(html.find("class=\"cut\""), std::string::npos);    // script, alert, 1 cut
}

TEST(Render, TerminalColoursOnlyWhenAsked) {
  ThreadPool pool(1);
  const Explanation e = explain(toy_classifier(4), "zebra great film good bad", pool);
  const std::string plain = render_terminal(e, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(plain.find("(cut by maxlen)"), std::string::npos);
  EXPECT_NE(plain.find("great"), std::string::npos);
  EXPECT_NE(plain.find("+0."), std::string::npos);
  EXPECT_NE(plain.find("-0."), std::string::npos);
  const std::string color = render_terminal(e, true);
  EXPECT_NE(color.find("\x1b[30;48;5;46m"), std::string::npos);  // strongest green
  EXPECT_NE(color.find("\x1b[2mzebra"), std::string::npos);      // cut: dim
}

}  // namespace
}  // namespace sentiment
