// What a model is: Embedding(V, E, optional mask_zero) -> one or more recurrent layers
// (LSTM, GRU or SimpleRNN, each optionally bidirectional, with input and recurrent dropout)
// -> pooling over time -> optional dropout -> Dense(1, sigmoid) for two classes or
// Dense(K, softmax) for K > 2; optionally an n-gram head beside the recurrent stack, whose
// logits are averaged with it. Persisted in model files (model_json.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "layers/ngram.h"
#include "layers/pooling.h"
#include "layers/recurrent.h"

namespace sentiment {

struct ModelConfig {
  size_t vocab_size = 10000;  // V
  size_t embedding_dim = 64;  // E
  std::vector<RecurrentLayerConfig> layers{RecurrentLayerConfig{}};
  bool mask_zero = false;  // token 0 is padding: masked steps keep the state
  Pooling pooling = Pooling::kLast;
  float dropout = 0.0f;    // on the pooled features, before the output layer
  size_t num_classes = 2;  // 2: one sigmoid output; more: one softmax output per class
  NgramConfig ngrams;      // off by default

  size_t outputs() const { return num_classes == 2 ? 1 : num_classes; }
  // Width of a layer's input (E for the first) and of its output sequence (H, or 2H).
  size_t layer_input_width(size_t layer) const;
  size_t layer_width(size_t layer) const;
  // Width of the pooled feature vector that feeds the output layer.
  size_t features() const;
  bool any_bidirectional() const;
};

// The recipe's shape: Embedding(V, E) -> LSTM(H) -> Dense(1, sigmoid).
ModelConfig lstm_config(size_t vocab_size, size_t embedding_dim, size_t units);

// The layer stack in Keras terms: "Embedding(10000, 64) -> LSTM(64) -> Dense(1, sigmoid)".
std::string describe(const ModelConfig& config);

// Throws Error naming the first bad value.
void validate_model_config(const ModelConfig& config);

// The limits validate_model_config enforces, one constant each.
inline constexpr size_t kMaxVocabulary = size_t{1} << 26;
inline constexpr size_t kMaxEmbeddingDim = 65536;
inline constexpr size_t kMaxLayers = 16;
inline constexpr size_t kMaxUnits = 65536;
inline constexpr size_t kMaxClasses = 100000;
inline constexpr size_t kMaxNgramOrder = 5;
inline constexpr size_t kMaxNgramDim = 4096;
inline constexpr size_t kMaxNgramBuckets = size_t{1} << 26;
inline constexpr size_t kMaxNgramTableFloats = size_t{1} << 30;
// Longest token row (maxlen) a model is trained or loaded with: predict's memory and time
// grow with it, so a hand-edited model file cannot ask for millions of steps a text.
inline constexpr size_t kMaxSequenceLength = 100000;

// Whether model_forward shares the leading padding of the rows (layers/padding_run.h):
// unidirectional LSTM layers read through the last step, padding not masked (with
// mask_zero padding costs nothing anyway), and no dropout on the layers' inputs or states
// (masks differ per row).
bool share_padding_applies(const ModelConfig& config, bool training);

}  // namespace sentiment
