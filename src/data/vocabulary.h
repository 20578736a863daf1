// Word index with Keras imdb.load_data(num_words=V) semantics: 0 = padding, 1 = start
// marker, 2 = out-of-vocabulary, 3 unused; the word of frequency rank r (1 = most frequent,
// ties broken by byte order of the word) gets index r + 3; any index >= V maps to 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/word_table.h"

namespace sentiment::data {

inline constexpr int32_t kPadIndex = 0;
inline constexpr int32_t kStartIndex = 1;
inline constexpr int32_t kOovIndex = 2;
inline constexpr int32_t kIndexFrom = 3;  // index = rank + kIndexFrom

// The smallest num_words: indices 0..3 are reserved, so 4 keeps no word at all.
inline constexpr int32_t kMinNumWords = kIndexFrom + 1;

struct WordCount {
  std::string word;
  int64_t count = 0;
};

// Every distinct word of texts (tokenize rules) with its number of occurrences, in rank
// order: count descending, ties by the word's bytes ascending (the anchor's vocab.tsv).
// Tokenizes in parallel on `threads` threads (0 = all cores); the result does not depend
// on the thread count. Throws Error on invalid UTF-8.
std::vector<WordCount> count_words(const std::vector<std::string_view>& texts, size_t threads = 0);

class Vocabulary {
 public:
  // Ranks every word of the given texts by count; keeps those with index < num_words.
  // Throws Error when num_words < kMinNumWords.
  static Vocabulary build(const std::vector<std::string_view>& texts, int32_t num_words);
  // From words already in rank order (words[0] has rank 1); keeps those with index <
  // num_words. Throws Error on num_words < kMinNumWords, an empty or a duplicate word.
  static Vocabulary from_ranked(std::vector<std::string> words, int32_t num_words);

  int32_t num_words() const { return num_words_; }
  // Kept words in rank order; words()[r - 1] has index r + 3.
  const std::vector<std::string>& words() const { return words_; }
  int32_t index_of(std::string_view word) const;  // kOovIndex when not kept

  // [1, indices of the words of text...]
  std::vector<int32_t> encode(std::string_view text) const;
  // Same, appending to out (not cleared) and reusing the caller's scanner buffer.
  void encode(std::string_view text, std::vector<int32_t>& out) const;

 private:
  int32_t num_words_ = 0;
  std::vector<std::string> words_;
  WordTable index_;  // word -> index
};

// Keras pad_sequences: rows longer than maxlen lose their first (pre) or last (post)
// tokens; shorter rows are filled with value before (pre) or after (post).
// Returns row-major (sequences.size(), maxlen). Throws Error when maxlen == 0.
std::vector<int32_t> pad_sequences(const std::vector<std::vector<int32_t>>& sequences,
                                   size_t maxlen, PadMode padding, PadMode truncating,
                                   int32_t value = kPadIndex);

// One row of pad_sequences: fills row (maxlen = row.size() entries) from sequence.
void pad_row(std::span<const int32_t> sequence, PadMode padding, PadMode truncating, int32_t value,
             std::span<int32_t> row);

}  // namespace sentiment::data
