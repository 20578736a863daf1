// Small classifiers built in memory for the explain and serve tests: one whose weights make
// the direction of every word known, and one with random weights that exercises every gate.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "io/classifier.h"

namespace sentiment::testing {

// Vocabulary of both classifiers, in rank order (index = rank + 3).
inline const std::vector<std::string> kToyWords = {"great", "good", "bad",   "awful",
                                                   "film",  "the",  "don't", "was"};

// Embedding(V, 1) -> LSTM(1) -> Dense(1) with the input, forget and output gates held open
// (bias 20: sigmoid is 1 in float) and the cell input g = tanh(x), so the final state is
// tanh(sum over words of tanh(embedding)) and logit = 3 * that state. Embeddings: great +2,
// good +1, bad -1, awful -2, every other token 0 (padding, start, out-of-vocabulary
// included): great and good push positive, bad and awful negative, the rest nowhere.
inline Classifier toy_classifier(size_t maxlen = 16, data::PadMode truncating = data::PadMode::kPre,
                                 std::vector<std::string> labels = {"negative", "positive"}) {
  const auto V = static_cast<int32_t>(kToyWords.size()) + data::kMinNumWords;
  Model model(lstm_config(static_cast<size_t>(V), 1, 1));
  auto p = model.params();
  std::fill(p.begin(), p.end(), 0.0f);
  const auto at = [&](const char* name) {
    for (const ParamView& v : model.views())
      if (v.name == name) return p.data() + v.offset;
    return static_cast<float*>(nullptr);
  };
  float* emb = at("embedding");
  emb[4] = 2.0f;                // great
  emb[5] = 1.0f;                // good
  emb[6] = -1.0f;               // bad
  emb[7] = -2.0f;               // awful
  at("lstm.kernel")[2] = 1.0f;  // gate order i, f, c, o: only the cell input sees x
  float* bias = at("lstm.bias");
  bias[0] = bias[1] = bias[3] = 20.0f;
  at("dense.kernel")[0] = 3.0f;
  Preprocessing pre;
  pre.maxlen = maxlen;
  pre.truncating = truncating;
  return Classifier(std::move(model), data::Vocabulary::from_ranked(kToyWords, V), pre,
                    std::move(labels));
}

// Same vocabulary, E = 4, H = 5, weights uniform in [-0.5, 0.5].
inline Classifier random_classifier(uint64_t seed, size_t maxlen = 12,
                                    data::PadMode truncating = data::PadMode::kPre) {
  const auto V = static_cast<int32_t>(kToyWords.size()) + data::kMinNumWords;
  Model model(lstm_config(static_cast<size_t>(V), 4, 5));
  Rng rng(seed);
  for (auto& w : model.params()) w = static_cast<float>(rng.uniform(-0.5, 0.5));
  Preprocessing pre;
  pre.maxlen = maxlen;
  pre.truncating = truncating;
  return Classifier(std::move(model), data::Vocabulary::from_ranked(kToyWords, V), pre);
}

}  // namespace sentiment::testing
