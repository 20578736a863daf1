// Vocabulary (ranking, tie-breaking, Keras index conventions, num_words cut), count_words,
// and pad_sequences in all four padding x truncating combinations, worked by hand.
#include "data/vocabulary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

using testing::error_of;
using Ids = std::vector<int32_t>;

// Counts: a = 3, b = 2, c = 2, d = 1; b and c tie and are ordered by bytes.
const std::vector<std::string_view> kTexts = {"c A b a", "d, a... C B"};

TEST(CountWords, RanksByCountThenBytes) {
  const std::vector<WordCount> ranked = count_words(kTexts);
  ASSERT_EQ(ranked.size(), 4u);
  EXPECT_EQ(ranked[0].word, "a");
  EXPECT_EQ(ranked[0].count, 3);
  EXPECT_EQ(ranked[1].word, "b");
  EXPECT_EQ(ranked[2].word, "c");
  EXPECT_EQ(ranked[2].count, 2);
  EXPECT_EQ(ranked[3].word, "d");
  EXPECT_EQ(ranked[3].count, 1);
}

TEST(CountWords, TiesCompareBytesUnsigned) {
  // 'é' is 0xC3 0xA9, above every ASCII byte; digits sort before letters.
  const std::vector<WordCount> ranked = count_words({"é z 9 za"});
  ASSERT_EQ(ranked.size(), 4u);
  EXPECT_EQ(ranked[0].word, "9");
  EXPECT_EQ(ranked[1].word, "z");
  EXPECT_EQ(ranked[2].word, "za");
  EXPECT_EQ(ranked[3].word, "é");
}

TEST(CountWords, ResultDoesNotDependOnThreadCount) {
  Rng rng(5);
  std::vector<std::string> storage;
  for (int t = 0; t < 300; ++t) {
    std::string text;
    for (uint64_t k = rng.below(50); k > 0; --k) {
      text += std::string(1 + rng.below(3), static_cast<char>('a' + rng.below(6))) + " ";
    }
    storage.push_back(text);
  }
  const std::vector<std::string_view> texts(storage.begin(), storage.end());
  const std::vector<WordCount> one = count_words(texts, 1);
  for (size_t threads : {2, 3, 7}) {
    const std::vector<WordCount> many = count_words(texts, threads);
    ASSERT_EQ(many.size(), one.size());
    for (size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(many[i].word, one[i].word);
      EXPECT_EQ(many[i].count, one[i].count);
    }
  }
}

TEST(CountWords, InvalidUtf8NamesTheText) {
  const std::string message = error_of([] { count_words({"fine", "bad \xFF"}, 2); });
  EXPECT_NE(message.find("text 1"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
}

TEST(Vocabulary, IndexIsRankPlusThree) {
  const Vocabulary vocab = Vocabulary::build(kTexts, 100);
  EXPECT_EQ(vocab.num_words(), 100);
  EXPECT_EQ(vocab.words(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(vocab.index_of("a"), 4);
  EXPECT_EQ(vocab.index_of("b"), 5);
  EXPECT_EQ(vocab.index_of("c"), 6);
  EXPECT_EQ(vocab.index_of("d"), 7);
  EXPECT_EQ(vocab.index_of("unseen"), kOovIndex);
  EXPECT_EQ(vocab.index_of("A"), kOovIndex);  // index_of takes words, already lowercased
}

TEST(Vocabulary, EncodeStartsWithMarkerAndMapsUnknownToOov) {
  const Vocabulary vocab = Vocabulary::build(kTexts, 100);
  EXPECT_EQ(vocab.encode("A x, b! D"), (Ids{1, 4, 2, 5, 7}));
  EXPECT_EQ(vocab.encode(""), (Ids{1}));
  Ids out{9};
  vocab.encode("c", out);
  EXPECT_EQ(out, (Ids{9, 1, 6}));
}

TEST(Vocabulary, NumWordsKeepsIndicesBelowIt) {
  // num_words = 6 keeps indices 4 and 5, i.e. ranks 1 and 2.
  const Vocabulary vocab = Vocabulary::build(kTexts, 6);
  EXPECT_EQ(vocab.words(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(vocab.encode("a b c d"), (Ids{1, 4, 5, 2, 2}));
  // The smallest allowed value keeps no word at all.
  const Vocabulary empty = Vocabulary::build(kTexts, kMinNumWords);
  EXPECT_TRUE(empty.words().empty());
  EXPECT_EQ(empty.encode("a b"), (Ids{1, 2, 2}));
}

TEST(Vocabulary, IndexThreeIsNeverProduced) {
  const Vocabulary vocab = Vocabulary::build(kTexts, 100);
  for (std::string_view text : {"a b c d e f", "", "d d d x", "''"}) {
    for (int32_t id : vocab.encode(text)) {
      EXPECT_NE(id, 3);
      EXPECT_GE(id, 1);
      EXPECT_LT(id, vocab.num_words());
    }
  }
}

TEST(Vocabulary, RejectsBadNumWordsAndWords) {
  for (int32_t bad : {3, 0, -5}) {
    const std::string message = error_of([&] { Vocabulary::build(kTexts, bad); });
    EXPECT_NE(message.find("num_words"), std::string::npos) << message;
    EXPECT_NE(message.find("got " + std::to_string(bad)), std::string::npos) << message;
  }
  EXPECT_NE(error_of([] {
              Vocabulary::from_ranked({"a", "b", "a"}, 100);
            }).find("twice"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Vocabulary::from_ranked({"a", ""}, 100);
            }).find("empty"),
            std::string::npos);
  // Words past the cut are dropped before they are checked.
  EXPECT_EQ(Vocabulary::from_ranked({"a", "b", "a"}, 6).words().size(), 2u);
}

TEST(Vocabulary, FromRankedMatchesBuild) {
  const Vocabulary built = Vocabulary::build(kTexts, 7);
  const Vocabulary ranked = Vocabulary::from_ranked({"a", "b", "c", "d"}, 7);
  EXPECT_EQ(built.words(), ranked.words());
  EXPECT_EQ(ranked.encode("d c b a"), (Ids{1, 2, 6, 5, 4}));
}

const std::vector<std::vector<int32_t>> kSequences = {{1, 2, 3, 4, 5}, {6, 7}, {}, {8, 9, 10}};

TEST(PadSequences, PrePaddingPreTruncation) {
  EXPECT_EQ(pad_sequences(kSequences, 3, PadMode::kPre, PadMode::kPre),
            (Ids{3, 4, 5, 0, 6, 7, 0, 0, 0, 8, 9, 10}));
}

TEST(PadSequences, PrePaddingPostTruncation) {
  EXPECT_EQ(pad_sequences(kSequences, 3, PadMode::kPre, PadMode::kPost),
            (Ids{1, 2, 3, 0, 6, 7, 0, 0, 0, 8, 9, 10}));
}

TEST(PadSequences, PostPaddingPreTruncation) {
  EXPECT_EQ(pad_sequences(kSequences, 3, PadMode::kPost, PadMode::kPre),
            (Ids{3, 4, 5, 6, 7, 0, 0, 0, 0, 8, 9, 10}));
}

TEST(PadSequences, PostPaddingPostTruncation) {
  EXPECT_EQ(pad_sequences(kSequences, 3, PadMode::kPost, PadMode::kPost),
            (Ids{1, 2, 3, 6, 7, 0, 0, 0, 0, 8, 9, 10}));
}

TEST(PadSequences, CustomValueLongRowsAndEmptyInput) {
  EXPECT_EQ(pad_sequences({{5}}, 4, PadMode::kPre, PadMode::kPre, -1), (Ids{-1, -1, -1, 5}));
  EXPECT_EQ(pad_sequences({{5}}, 4, PadMode::kPost, PadMode::kPre, -1), (Ids{5, -1, -1, -1}));
  EXPECT_EQ(pad_sequences({{1, 2}}, 1, PadMode::kPre, PadMode::kPre), (Ids{2}));
  EXPECT_EQ(pad_sequences({{1, 2}}, 1, PadMode::kPre, PadMode::kPost), (Ids{1}));
  EXPECT_TRUE(pad_sequences({}, 3, PadMode::kPre, PadMode::kPre).empty());
}

TEST(PadSequences, ZeroMaxlenThrows) {
  const std::string message =
      error_of([] { pad_sequences(kSequences, 0, PadMode::kPre, PadMode::kPre); });
  EXPECT_NE(message.find("maxlen"), std::string::npos) << message;
}

}  // namespace
}  // namespace sentiment::data
