// Raw text -> token rows -> probabilities, with the same preprocessing as training.
#include "io/classifier.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "data/tokenizer.h"
#include "model/inference.h"

namespace sentiment {

Classifier::Classifier(Model model, data::Vocabulary vocab, Preprocessing pre,
                       std::vector<std::string> labels)
    : model_(std::move(model)), vocab_(std::move(vocab)), pre_(pre), labels_(std::move(labels)) {
  if (labels_.size() != model_.config().num_classes)
    throw Error("classifier: got " + std::to_string(labels_.size()) + " labels, expected " +
                std::to_string(model_.config().num_classes) + " (the model's classes)");
  if (pre_.maxlen == 0) throw Error("classifier: maxlen must be > 0");
  if (static_cast<size_t>(vocab_.num_words()) > model_.config().vocab_size)
    throw Error("classifier: vocabulary keeps indices below " + std::to_string(vocab_.num_words()) +
                " but the embedding has only " + std::to_string(model_.config().vocab_size) +
                " rows");
  // The tables trade memory for half the inference arithmetic; skip them when they would
  // be larger than the rest of the model many times over.
  if (projection_table_floats(model_.config()) <= kMaxProjectionFloats)
    projection_ = input_projection_tables(model_);
}

std::vector<int32_t> Classifier::encode(std::span<const std::string_view> texts,
                                        ThreadPool* pool) const {
  std::vector<int32_t> rows(texts.size() * pre_.maxlen);
  // Texts go in runs of kRun per task; each run keeps its first error, and the first run
  // with one names the first bad text, as a serial pass would.
  constexpr size_t kRun = 32;
  const size_t runs = (texts.size() + kRun - 1) / kRun;
  std::vector<std::string> errors(runs);
  std::vector<std::vector<int32_t>> seqs(pool ? pool->size() : 1);
  auto encode_run = [&](size_t run, size_t worker) {
    std::vector<int32_t>& seq = seqs[worker];
    for (size_t k = run * kRun; k < std::min(texts.size(), (run + 1) * kRun); ++k) {
      const std::string_view text = texts[k];
      const auto where = [k] { return "text " + std::to_string(k + 1); };
      if (text.size() > kMaxTextBytes) {
        errors[run] = where() + " is " + std::to_string(text.size()) +
                      " bytes, over the limit of " + std::to_string(kMaxTextBytes);
        return;
      }
      if (text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
        errors[run] = where() + " is empty";
        return;
      }
      if (!data::is_valid_utf8(text)) {
        errors[run] = where() + " is not valid UTF-8";
        return;
      }
      seq.clear();
      vocab_.encode(text, seq);
      data::pad_row(seq, pre_.padding, pre_.truncating, data::kPadIndex,
                    std::span<int32_t>(rows.data() + k * pre_.maxlen, pre_.maxlen));
    }
  };
  if (pool) {
    pool->parallel_for(runs, encode_run);
  } else {
    for (size_t run = 0; run < runs; ++run) encode_run(run, 0);
  }
  for (const std::string& e : errors)
    if (!e.empty()) throw Error(e);
  return rows;
}

std::vector<float> Classifier::logits(const std::vector<int32_t>& rows, ThreadPool& pool,
                                      size_t batch_size) const {
  if (rows.size() % pre_.maxlen != 0)
    throw Error("predict: got " + std::to_string(rows.size()) +
                " tokens, expected a multiple of maxlen " + std::to_string(pre_.maxlen));
  check_tokens(model_, rows.data(), rows.size());
  return predict_logits(model_, rows.data(), rows.size() / pre_.maxlen, pre_.maxlen, batch_size,
                        pool, projection_.empty() ? nullptr : &projection_);
}

std::vector<float> Classifier::predict_encoded(const std::vector<int32_t>& rows, ThreadPool& pool,
                                               size_t batch_size) const {
  if (!binary())
    throw Error("this model has " + std::to_string(labels_.size()) +
                " classes; binary predictions need 2");
  std::vector<float> p = logits(rows, pool, batch_size);
  for (auto& v : p) v = sigmoid(v);
  return p;
}

std::vector<float> Classifier::predict_proba_encoded(const std::vector<int32_t>& rows,
                                                     ThreadPool& pool, size_t batch_size) const {
  return class_probabilities(logits(rows, pool, batch_size), labels_.size());
}

std::vector<float> Classifier::predict_proba(std::span<const std::string_view> texts,
                                             ThreadPool& pool, size_t batch_size) const {
  return predict_proba_encoded(encode(texts, &pool), pool, batch_size);
}

size_t Classifier::top_class(std::span<const float> probabilities) {
  return static_cast<size_t>(std::max_element(probabilities.begin(), probabilities.end()) -
                             probabilities.begin());
}

std::vector<float> Classifier::predict(std::span<const std::string_view> texts, ThreadPool& pool,
                                       size_t batch_size) const {
  return predict_encoded(encode(texts, &pool), pool, batch_size);
}

}  // namespace sentiment
