// encode_imdb on a small hand-made dataset: vocabulary from train only, start marker,
// padding, labels following their rows, and a shuffle that is exactly Rng(seed) applied
// to train then test.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/imdb.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

using testing::error_of;

Review review(std::string text, int label) {
  return {std::move(text), label, label ? 9 : 2, "x"};
}

ImdbReviews dataset() {
  ImdbReviews d;
  // Train counts: film 4, bad 3, great 3, a 2, fun 1, plot 1 (bad/great tie -> bytes).
  d.train = {review("bad film", 0), review("Great film, great fun", 1), review("bad BAD plot", 0),
             review("a film", 1), review("A great film", 1)};
  d.test = {review("great unseen film", 1), review("bad", 0), review("zzz", 0)};
  return d;
}

// What encode_imdb must produce, rebuilt from its documented parts.
EncodedSplit expected_split(const std::vector<Review>& reviews, const Vocabulary& vocab,
                            const EncodeOptions& options, Rng& rng) {
  std::vector<size_t> order(reviews.size());
  std::iota(order.begin(), order.end(), size_t{0});
  rng.shuffle(std::span<size_t>(order));
  std::vector<std::vector<int32_t>> sequences;
  EncodedSplit split;
  for (size_t i : order) {
    sequences.push_back(vocab.encode(reviews[i].text));
    split.labels.push_back(static_cast<float>(reviews[i].label));
  }
  split.tokens = pad_sequences(sequences, options.maxlen, options.padding, options.truncating);
  split.n = reviews.size();
  split.maxlen = options.maxlen;
  return split;
}

TEST(EncodeImdb, VocabularyComesFromTrainOnly) {
  EncodeOptions options;
  options.num_words = 100;
  options.maxlen = 6;
  const EncodedImdb encoded = encode_imdb(dataset(), options);
  EXPECT_EQ(encoded.vocab.words(),
            (std::vector<std::string>{"film", "bad", "great", "a", "fun", "plot"}));
  EXPECT_EQ(encoded.vocab.index_of("unseen"), kOovIndex);
  EXPECT_EQ(encoded.vocab.index_of("zzz"), kOovIndex);
}

TEST(EncodeImdb, EqualsEncodeShufflePadComposition) {
  for (const PadMode padding : {PadMode::kPre, PadMode::kPost}) {
    for (const PadMode truncating : {PadMode::kPre, PadMode::kPost}) {
      EncodeOptions options;
      options.num_words = 7;  // keeps film, bad, great
      options.maxlen = 3;
      options.padding = padding;
      options.truncating = truncating;
      options.shuffle_seed = 11;
      const ImdbReviews d = dataset();
      const EncodedImdb encoded = encode_imdb(d, options);
      Rng rng(options.shuffle_seed);
      const EncodedSplit train = expected_split(d.train, encoded.vocab, options, rng);
      const EncodedSplit test = expected_split(d.test, encoded.vocab, options, rng);
      EXPECT_EQ(encoded.train.tokens, train.tokens);
      EXPECT_EQ(encoded.train.labels, train.labels);
      EXPECT_EQ(encoded.test.tokens, test.tokens);
      EXPECT_EQ(encoded.test.labels, test.labels);
      EXPECT_EQ(encoded.train.n, 5u);
      EXPECT_EQ(encoded.test.n, 3u);
      EXPECT_EQ(encoded.train.maxlen, 3u);
    }
  }
}

TEST(EncodeImdb, RowsKeepTheirLabelsAndStartMarker) {
  EncodeOptions options;
  options.num_words = 100;
  options.maxlen = 8;
  const EncodedImdb encoded = encode_imdb(dataset(), options);
  const int32_t bad = encoded.vocab.index_of("bad");
  for (size_t i = 0; i < encoded.train.n; ++i) {
    const auto row = std::span(encoded.train.tokens).subspan(i * 8, 8);
    const auto first = std::find_if(row.begin(), row.end(), [](int32_t v) { return v != 0; });
    ASSERT_NE(first, row.end());
    EXPECT_EQ(*first, kStartIndex);  // nothing is truncated at maxlen 8
    // Every review with "bad" in it is negative in this dataset.
    if (std::find(row.begin(), row.end(), bad) != row.end()) {
      EXPECT_EQ(encoded.train.labels[i], 0.0f);
    }
  }
}

TEST(EncodeImdb, SameSeedSameOrderOtherSeedOtherOrder) {
  ImdbReviews big;
  for (int i = 0; i < 50; ++i) {
    // append, not "w" + ...: GCC 12 -O3 raises a false -Wrestrict on literal + string.
    const std::string word = std::string("w").append(std::to_string(i));
    big.train.push_back(review(word, i % 2));
    big.test.push_back(review(word, i % 2));
  }
  EncodeOptions options;
  options.maxlen = 2;
  const EncodedImdb a = encode_imdb(big, options);
  const EncodedImdb b = encode_imdb(big, options);
  options.shuffle_seed = 114;
  const EncodedImdb c = encode_imdb(big, options);
  EXPECT_EQ(a.train.tokens, b.train.tokens);
  EXPECT_EQ(a.test.tokens, b.test.tokens);
  EXPECT_NE(a.train.tokens, c.train.tokens);
  // Train and test hold the same texts but get different permutations from one stream.
  EXPECT_NE(a.train.tokens, a.test.tokens);
}

TEST(EncodeImdb, RejectsBadOptions) {
  EncodeOptions options;
  options.maxlen = 0;
  EXPECT_NE(error_of([&] { encode_imdb(dataset(), options); }).find("maxlen"), std::string::npos);
  options.maxlen = 10;
  options.num_words = 2;
  EXPECT_NE(error_of([&] { encode_imdb(dataset(), options); }).find("num_words"),
            std::string::npos);
}

}  // namespace
}  // namespace sentiment::data
