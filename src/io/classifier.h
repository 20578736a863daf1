// A trained text classifier as one object: preprocessing (tokenizer rules, vocabulary,
// padding), the model weights, label names and the training record. It goes from raw text
// to probabilities, and is what model files store (see model_file.h). predict() is const
// and thread-safe, so one loaded classifier can serve many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/thread_pool.h"
#include "data/dataset.h"
#include "data/vocabulary.h"
#include "model/model.h"

namespace sentiment {

struct Preprocessing {
  size_t maxlen = 200;
  data::PadMode padding = data::PadMode::kPre;
  data::PadMode truncating = data::PadMode::kPre;
};

// Longest text predict() accepts, as the dataset reader does for reviews.
inline constexpr size_t kMaxTextBytes = 1 << 20;

class Classifier {
 public:
  Classifier(Model model, data::Vocabulary vocab, Preprocessing pre,
             std::vector<std::string> labels = {"negative", "positive"});

  const Model& model() const { return model_; }
  // Quantized models: int8 or float recurrent step products (Model::set_int8_steps).
  void set_int8_steps(bool on) { model_.set_int8_steps(on); }
  const data::Vocabulary& vocabulary() const { return vocab_; }
  const Preprocessing& preprocessing() const { return pre_; }
  const std::vector<std::string>& labels() const { return labels_; }

  // Free-form JSON objects stored with the model (training configuration, final metrics).
  std::string training_json = "{}";
  std::string metrics_json = "{}";

  // Encodes texts to (texts.size(), maxlen) token rows, in parallel on pool when one is
  // given (the rows are the same either way). Throws Error naming the first bad text's
  // position for empty (no visible characters), oversized or non-UTF-8 text.
  std::vector<int32_t> encode(std::span<const std::string_view> texts,
                              ThreadPool* pool = nullptr) const;

  size_t num_classes() const { return labels_.size(); }
  bool binary() const { return labels_.size() == 2; }

  // Binary models: the probability of the second label (e.g. "positive") for every text.
  // Throws Error for a model with more than two classes (use predict_proba).
  std::vector<float> predict(std::span<const std::string_view> texts, ThreadPool& pool,
                             size_t batch_size = 256) const;
  // Same, for rows already encoded with encode().
  std::vector<float> predict_encoded(const std::vector<int32_t>& rows, ThreadPool& pool,
                                     size_t batch_size = 256) const;

  // Any model: class probabilities, (texts, num_classes) row-major.
  std::vector<float> predict_proba(std::span<const std::string_view> texts, ThreadPool& pool,
                                   size_t batch_size = 256) const;
  std::vector<float> predict_proba_encoded(const std::vector<int32_t>& rows, ThreadPool& pool,
                                           size_t batch_size = 256) const;

  // Binary models: the label for P(second label) = probability.
  const std::string& label_for(float probability) const {
    return labels_[probability > 0.5f ? 1 : 0];
  }
  // Index of the most probable class in one row of predict_proba.
  static size_t top_class(std::span<const float> probabilities);

  // Whether inference looks the first layer's input projection up in tables (see
  // input_projection_tables) instead of computing it.
  bool uses_projection_tables() const { return !projection_.empty(); }

 private:
  std::vector<float> logits(const std::vector<int32_t>& rows, ThreadPool& pool,
                            size_t batch_size) const;

  Model model_;
  // input_projection_tables(model_): the weights are fixed once loaded, so inference looks
  // each word's input projection up instead of computing it (empty when too large).
  ProjectionTables projection_;
  data::Vocabulary vocab_;
  Preprocessing pre_;
  std::vector<std::string> labels_;
};

}  // namespace sentiment
