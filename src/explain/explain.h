// Why did the classifier say that? Each word of a text gets the change in the positive-class
// probability caused by removing that one occurrence (occlusion), computed exactly through
// the classifier's own tokenizer, truncation and padding. docs/explain.md has the method.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/thread_pool.h"
#include "io/classifier.h"

namespace sentiment {

struct WordScore {
  std::string word;        // as the tokenizer produced it (lowercased, apostrophes folded)
  int32_t index = 0;       // vocabulary index; data::kOovIndex for words the model lacks
  bool truncated = false;  // cut away by maxlen: the model never saw it, contribution is 0
  // p(text) - p(text without this occurrence): > 0 pushes toward the positive label.
  float contribution = 0.0f;
};

struct Explanation {
  float probability = 0.0f;           // positive-class probability of the whole text
  std::string label;                  // the label predict() gives the text
  std::array<std::string, 2> labels;  // {negative, positive}, for legends
  std::vector<WordScore> words;       // every tokenizer word of the text, in order
};

// Scores every word of text with one batched forward pass over the text and its variants
// with one word removed. Throws Error for empty, oversized or non-UTF-8 text, as
// Classifier::encode does.
Explanation explain(const Classifier& classifier, std::string_view text, ThreadPool& pool);

// {"label", "probability", "words": [{"word", "index", "truncated", "contribution"}, ...]}
std::string render_json(const Explanation& explanation);

// A standalone HTML page (inline CSS, no scripts, no external resources): every word on a
// red (negative) to green (positive) background scaled by its contribution, a legend, and
// the prediction. Everything from the text or the model is HTML-escaped.
std::string render_html(const Explanation& explanation, std::string_view title = "");

// Terminal view. color: words on ANSI 256-colour backgrounds, then the prediction and a
// legend. Without color: a table, one word per line with its index and contribution.
std::string render_terminal(const Explanation& explanation, bool color);

}  // namespace sentiment
