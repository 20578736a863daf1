// Evaluation of a trained (or training) model on encoded rows: logits, loss and accuracy,
// and binary probabilities, all through the shared batched inference path.
#pragma once

#include <cstddef>
#include <vector>

#include "core/thread_pool.h"
#include "data/dataset.h"
#include "model/model.h"

namespace sentiment {

struct Metrics {
  double loss = 0.0;
  double accuracy = 0.0;
  size_t n = 0;
};

// Throws Error when data is inconsistent (row, label and token counts), holds a token
// outside the model's vocabulary, or a label that is not one of its class ids.
void check_encoded_split(const Model& model, const data::EncodedSplit& data);

// Loss and accuracy of model on rows [begin, end) of data.
Metrics evaluate(const Model& model, const data::EncodedSplit& data, size_t begin, size_t end,
                 size_t batch_size, ThreadPool& pool);

// Logits (rows, outputs) for rows [begin, end) of data.
std::vector<float> logits_for(const Model& model, const data::EncodedSplit& data, size_t begin,
                              size_t end, size_t batch_size, ThreadPool& pool);

// Binary models: P(class 1) for rows [begin, end) of data.
std::vector<float> predict(const Model& model, const data::EncodedSplit& data, size_t begin,
                           size_t end, size_t batch_size, ThreadPool& pool);

}  // namespace sentiment
