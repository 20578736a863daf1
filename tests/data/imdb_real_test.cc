// The real IMDB data, from $IMDB_DATA (the archive or the aclImdb directory). This test
// fails, rather than skips, when the variable is unset: the data layer is only known to
// work once it has read the real 50,000 reviews.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <numeric>
#include <span>

#include "core/rng.h"
#include "data/imdb.h"

namespace sentiment::data {
namespace {

constexpr size_t kSplitSize = 25000;
constexpr size_t kPositivePerSplit = 12500;
// The anchor (imdb_prep.py, ASCII-only tokenizer) measured 5.6% train / 6.1% test; our
// UTF-8 words move these by under 0.1 point, so a wider band only guards against bugs.
constexpr double kMinOovRate = 0.05;
constexpr double kMaxOovRate = 0.07;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_split(const std::vector<Review>& reviews, const char* name) {
  SCOPED_TRACE(name);
  ASSERT_EQ(reviews.size(), kSplitSize);
  size_t positive = 0;
  for (const Review& r : reviews) {
    positive += static_cast<size_t>(r.label);
    // The dataset's construction: negative reviews are rated 1..4, positive ones 7..10.
    if (r.label == 1) {
      EXPECT_GE(r.rating, 7) << r.source;
    } else {
      EXPECT_LE(r.rating, 4) << r.source;
    }
  }
  EXPECT_EQ(positive, kPositivePerSplit);
  EXPECT_EQ(reviews.front().label, 0);
  EXPECT_EQ(reviews.back().label, 1);
}

// Rows of the encoded split against encode + pad of the review that row holds, the review
// being found by replaying the documented shuffle; returns the OOV rate.
double check_encoded(const std::vector<Review>& reviews, const EncodedSplit& split,
                     const Vocabulary& vocab, const std::vector<size_t>& order) {
  EXPECT_EQ(split.n, reviews.size());
  size_t tokens = 0, oov = 0, truncated = 0;
  std::vector<int32_t> row(split.maxlen);
  for (size_t i = 0; i < split.n; ++i) {
    const auto got = std::span(split.tokens).subspan(i * split.maxlen, split.maxlen);
    for (const int32_t v : got) {
      EXPECT_GE(v, 0);
      EXPECT_LT(v, 10000);
      EXPECT_NE(v, 3);
    }
    const Review& review = reviews[order[i]];
    EXPECT_EQ(split.labels[i], static_cast<float>(review.label));
    const std::vector<int32_t> sequence = vocab.encode(review.text);
    tokens += sequence.size() - 1;
    oov += static_cast<size_t>(std::count(sequence.begin() + 1, sequence.end(), kOovIndex));
    if (sequence.size() > split.maxlen) {
      ++truncated;
    } else {
      // Pre-padding: the start marker is the first non-pad token of every whole review.
      EXPECT_EQ(got[split.maxlen - sequence.size()], kStartIndex) << review.source;
    }
    pad_row(sequence, PadMode::kPre, PadMode::kPre, kPadIndex, row);
    EXPECT_TRUE(std::equal(row.begin(), row.end(), got.begin())) << review.source;
  }
  std::cout << "  " << split.n << " rows, " << tokens << " tokens, OOV rate "
            << static_cast<double>(oov) / static_cast<double>(tokens) << ", truncated "
            << static_cast<double>(truncated) / static_cast<double>(split.n) << "\n";
  return static_cast<double>(oov) / static_cast<double>(tokens);
}

TEST(ImdbRealData, ReadsAndEncodesTheFullDataset) {
  const char* path = std::getenv("IMDB_DATA");
  ASSERT_TRUE(path != nullptr && *path != '\0')
      << "IMDB_DATA is not set: point it at the IMDB data to run this test, e.g. "
         "IMDB_DATA=../shared/data/imdb/aclImdb_labeled.tar.gz ctest, or at an aclImdb "
         "directory or aclImdb_v1.tar.gz";

  auto start = std::chrono::steady_clock::now();
  const ImdbReviews reviews = read_imdb(path);
  const double read_s = seconds_since(start);
  check_split(reviews.train, "train");
  check_split(reviews.test, "test");

  const EncodeOptions options;  // Keras defaults: 10000 words, maxlen 200, pre/pre, seed 113
  start = std::chrono::steady_clock::now();
  const EncodedImdb encoded = encode_imdb(reviews, options);
  const double encode_s = seconds_since(start);
  std::cout << "  read_imdb " << read_s << " s, encode_imdb " << encode_s << " s\n";

  EXPECT_EQ(encoded.vocab.words().size(), 9996u);
  ASSERT_GE(encoded.vocab.words().size(), 5u);
  EXPECT_EQ(
      std::vector<std::string>(encoded.vocab.words().begin(), encoded.vocab.words().begin() + 5),
      (std::vector<std::string>{"the", "and", "a", "of", "to"}));

  Rng rng(options.shuffle_seed);
  std::vector<size_t> train_order(kSplitSize), test_order(kSplitSize);
  std::iota(train_order.begin(), train_order.end(), size_t{0});
  std::iota(test_order.begin(), test_order.end(), size_t{0});
  rng.shuffle(std::span<size_t>(train_order));
  rng.shuffle(std::span<size_t>(test_order));
  const double train_oov = check_encoded(reviews.train, encoded.train, encoded.vocab, train_order);
  const double test_oov = check_encoded(reviews.test, encoded.test, encoded.vocab, test_order);
  EXPECT_GT(train_oov, kMinOovRate);
  EXPECT_LT(train_oov, kMaxOovRate);
  EXPECT_GT(test_oov, kMinOovRate);
  EXPECT_LT(test_oov, kMaxOovRate);
  // Unseen test words make the test split's OOV rate higher.
  EXPECT_GT(test_oov, train_oov);
}

}  // namespace
}  // namespace sentiment::data
