// Occlusion scores: the text and one variant per visible word (that occurrence removed) go
// through the classifier in a single predict_encoded call.
//
// Why occlusion and not integrated gradients: the model reads at most maxlen tokens, keeps
// the last (or first) ones and pads the rest, so "the text without this word" is a concrete
// input whose probability we can compute exactly, including the word that slides into the
// window when another leaves it. Integrated gradients would interpolate embeddings between
// the text and a baseline that is no real text, needs a backward pass through the LSTM for
// 20-300 interpolation steps, and only approximates its own completeness axiom. Occlusion is
// model-agnostic (any Classifier works), needs no backward, and costs one batched forward
// of at most maxlen + 1 rows.
#include "explain/explain.h"

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

#include "core/error.h"
#include "data/tokenizer.h"
#include "data/vocabulary.h"

namespace sentiment {
namespace {

// Positions of seq (length L, start marker included) that survive truncation to maxlen:
// [first, last).
struct Window {
  size_t first = 0, last = 0;
};

Window kept_window(size_t L, size_t maxlen, data::PadMode truncating) {
  if (L <= maxlen) return {0, L};
  return truncating == data::PadMode::kPre ? Window{L - maxlen, L} : Window{0, maxlen};
}

}  // namespace

Explanation explain(const Classifier& classifier, std::string_view text, ThreadPool& pool) {
  const Preprocessing& pre = classifier.preprocessing();
  const data::Vocabulary& vocab = classifier.vocabulary();
  // encode() validates the text (empty, too large, invalid UTF-8) with its usual messages
  // and gives the unmodified row, which must be row 0 below.
  const std::string_view one[] = {text};
  std::vector<int32_t> rows = classifier.encode(one);

  Explanation out;
  out.labels = {classifier.labels()[0], classifier.labels()[1]};
  std::vector<int32_t> seq = {data::kStartIndex};
  data::WordScanner scanner(text);
  for (std::string_view word; scanner.next(word);) {
    const int32_t index = vocab.index_of(word);
    out.words.push_back({std::string(word), index, false, 0.0f});
    seq.push_back(index);
  }

  // seq position p holds word p - 1 (position 0 is the start marker).
  const Window window = kept_window(seq.size(), pre.maxlen, pre.truncating);
  std::vector<size_t> variant_word;  // word scored by rows[1 + k]
  for (size_t w = 0; w < out.words.size(); ++w) {
    const size_t p = w + 1;
    if (p < window.first || p >= window.last) {
      // Removing a word the model never saw leaves the row unchanged: exactly 0.
      out.words[w].truncated = true;
      continue;
    }
    variant_word.push_back(w);
  }

  rows.resize((1 + variant_word.size()) * pre.maxlen);
  std::vector<int32_t> without(seq.size() - 1);
  for (size_t k = 0; k < variant_word.size(); ++k) {
    const size_t p = variant_word[k] + 1;
    std::copy(seq.begin(), seq.begin() + static_cast<ptrdiff_t>(p), without.begin());
    std::copy(seq.begin() + static_cast<ptrdiff_t>(p + 1), seq.end(),
              without.begin() + static_cast<ptrdiff_t>(p));
    data::pad_row(without, pre.padding, pre.truncating, data::kPadIndex,
                  std::span<int32_t>(rows).subspan((1 + k) * pre.maxlen, pre.maxlen));
  }

  // Contributions are to the probability shown: P(second label) for binary models, else
  // the predicted class's.
  const size_t K = classifier.num_classes();
  const std::vector<float> probs = classifier.predict_proba_encoded(rows, pool);
  const size_t top = Classifier::top_class(std::span<const float>(probs.data(), K));
  const size_t shown = K == 2 ? 1 : top;
  out.probability = probs[shown];
  out.label = classifier.labels()[top];
  for (size_t k = 0; k < variant_word.size(); ++k)
    out.words[variant_word[k]].contribution = probs[shown] - probs[(1 + k) * K + shown];
  return out;
}

}  // namespace sentiment
