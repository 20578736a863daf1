// Evaluation: rows checked once, logits from the batched inference path (with the projection
// tables when they pay off), then the loss and accuracy over them.
#include "train/evaluate.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "layers/loss.h"
#include "model/inference.h"

namespace sentiment {

void check_encoded_split(const Model& model, const data::EncodedSplit& data) {
  if (data.labels.size() != data.n || data.tokens.size() != data.n * data.maxlen)
    throw Error("encoded data is inconsistent: " + std::to_string(data.n) + " rows, " +
                std::to_string(data.labels.size()) + " labels, " +
                std::to_string(data.tokens.size()) + " tokens");
  try {
    check_tokens(model, data.tokens.data(), data.tokens.size());
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (row length " + std::to_string(data.maxlen) + ")");
  }
  const auto K = static_cast<float>(model.config().num_classes);
  for (size_t n = 0; n < data.n; ++n) {
    const float y = data.labels[n];
    if (!(y >= 0.0f && y < K) || y != std::floor(y))
      throw Error("label " + std::to_string(y) + " of row " + std::to_string(n) +
                  " is not a class id in [0, " + std::to_string(model.config().num_classes) + ")");
  }
}

std::vector<float> logits_for(const Model& model, const data::EncodedSplit& data, size_t begin,
                              size_t end, size_t batch_size, ThreadPool& pool) {
  if (begin > end || end > data.n)
    throw Error("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                ") are outside the data's " + std::to_string(data.n) + " rows");
  check_encoded_split(model, data);
  // The per-word projection tables cost one row per vocabulary word; they pay off once the
  // rows hold several times as many tokens, and are kept to kMaxProjectionFloats, as
  // prediction keeps them (so `sentiment test` takes the same path as this evaluation).
  const ModelConfig& cfg = model.config();
  ProjectionTables tables;
  if (4 * cfg.vocab_size <= (end - begin) * data.maxlen &&
      projection_table_floats(cfg) <= kMaxProjectionFloats)
    tables = input_projection_tables(model);
  return predict_logits(model, data.tokens.data() + begin * data.maxlen, end - begin, data.maxlen,
                        batch_size, pool, tables.empty() ? nullptr : &tables);
}

Metrics evaluate(const Model& model, const data::EncodedSplit& data, size_t begin, size_t end,
                 size_t batch_size, ThreadPool& pool) {
  const std::vector<float> logits = logits_for(model, data, begin, end, batch_size, pool);
  const size_t K = model.config().num_classes;
  Metrics m;
  m.n = end - begin;
  if (m.n == 0) return m;
  const float* y = data.labels.data() + begin;
  m.loss =
      loss_and_gradient(nullptr, logits.data(), y, m.n, K, 1.0f, {}) / static_cast<double>(m.n);
  m.accuracy =
      static_cast<double>(count_correct(logits.data(), y, m.n, K)) / static_cast<double>(m.n);
  return m;
}

std::vector<float> predict(const Model& model, const data::EncodedSplit& data, size_t begin,
                           size_t end, size_t batch_size, ThreadPool& pool) {
  if (model.config().num_classes != 2) throw Error("predict: the model is not binary");
  std::vector<float> probs = logits_for(model, data, begin, end, batch_size, pool);
  for (auto& p : probs) p = sigmoid(p);
  return probs;
}

}  // namespace sentiment
