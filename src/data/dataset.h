// Labelled text reviews as read from disk, and their encoded, padded form ready for
// training: a (N, T) matrix of token indices plus one label per row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sentiment::data {

struct Review {
  std::string text;    // raw UTF-8 text as stored
  int label = 0;       // 1 = positive (pos/), 0 = negative (neg/)
  int rating = 0;      // the rating from the file name ID_RATING.txt (1..10)
  std::string source;  // where it came from, for error messages, e.g. "train/pos/123_9.txt"
};

struct ImdbReviews {
  std::vector<Review> train;
  std::vector<Review> test;
  size_t skipped = 0;         // reviews dropped under OnError::kSkip (see input_policy.h)
  std::string first_skipped;  // the error of the first of them
};

enum class PadMode : int { kPre = 0, kPost = 1 };

// Encoded split: tokens is row-major (n, maxlen), labels has n entries (0 or 1).
struct EncodedSplit {
  std::vector<int32_t> tokens;
  std::vector<float> labels;
  size_t n = 0;
  size_t maxlen = 0;
};

}  // namespace sentiment::data
