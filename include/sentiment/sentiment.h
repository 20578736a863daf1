// lstm-sentiment's public C++ API (C++17 or later): load a model file and classify raw text,
// explain a prediction, train a model from a run configuration and a corpus, save it. Link
// the CMake target `sentiment::sentiment` (find_package(lstm_sentiment CONFIG)) or
// `pkg-config --cflags --libs sentiment`. Only the headers under sentiment/ are needed.
//
//   sentiment::Model model = sentiment::Model::load("runs/r1/final.model");
//   std::vector<sentiment::Prediction> p = model.predict({"A moving, funny film."});
//   std::printf("%s %.3f\n", p[0].label.c_str(), p[0].probability);
//
// Every failure the user can cause (a missing or corrupt file, a bad configuration, empty or
// non-UTF-8 text) throws sentiment::Error with a message that names it. A Model is safe to
// use from many threads at once: predict and explain are const and share its thread pool;
// a call that finds the pool busy runs on its caller's thread instead of waiting. The
// library parallelises with its own threads, so it keeps OpenBLAS to one thread per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sentiment/error.h"
#include "sentiment/export.h"
#include "sentiment/version.h"

namespace sentiment {
// The public API's types live in an inline namespace named for the library's ABI: programs
// write sentiment::Model, the linker sees which ABI they were built against.
inline namespace abi0 {

// The library's version, "MAJOR.MINOR.PATCH".
SENTIMENT_API const char* version();

// One text's most probable label and its probability.
struct Prediction {
  std::string label;
  size_t index = 0;  // into Model::labels()
  float probability = 0.0f;
};

// One word of an explained text: what removing that one occurrence changes.
struct WordContribution {
  std::string word;        // as the tokenizer produced it (lowercased, apostrophes folded)
  int32_t index = 0;       // its vocabulary index; 2 (the unknown word) for words the model lacks
  bool known = true;       // index != 2
  bool truncated = false;  // cut away by the model's maximum length: contribution 0
  // P(text) - P(text without this occurrence), of the probability Explanation shows: > 0
  // pushes toward labels()[1] ("positive") in a binary model.
  float contribution = 0.0f;
};

struct Explanation {
  std::string label;  // the label predict() gives the text
  // Of the whole text: P(labels()[1]) for binary models, else the predicted class's.
  float probability = 0.0f;
  std::vector<WordContribution> words;  // every word of the text, in order
  std::vector<std::string> labels;      // the first two labels of the model, for legends
};

// Renderings of an explanation, as `sentiment explain` prints them: JSON, and a standalone
// HTML page (inline CSS, no scripts, everything from the text escaped).
SENTIMENT_API std::string to_json(const Explanation& explanation);
SENTIMENT_API std::string to_html(const Explanation& explanation, std::string_view title = "");

struct LoadOptions {
  size_t threads = 0;  // threads predict and explain use; 0: one per core
};

// A trained classifier: tokenizer rules, vocabulary, weights, labels and training record.
class SENTIMENT_API Model {
 public:
  // Reads a model file written by `sentiment train`, train() or save(). Throws Error naming
  // the file for a missing, unreadable, truncated, corrupt or foreign file.
  static Model load(const std::string& path, const LoadOptions& options = {});

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  // Writes the model file (to a temporary name, then renamed over path).
  void save(const std::string& path) const;

  const std::vector<std::string>& labels() const;  // class names, in class order
  size_t num_classes() const;
  size_t max_length() const;         // tokens per text the model reads (maxlen)
  size_t vocabulary_size() const;    // Keras's num_words: word indices are below it
  std::string architecture() const;  // "Embedding(10000, 64) -> LSTM(64) -> Dense(1, sigmoid)"
  // What the file records about its training: {"training": {...}, "metrics": {...}} as JSON.
  std::string metadata_json() const;

  // Class probabilities, (count, num_classes()) row-major. Throws Error naming the first
  // empty (nothing but spaces), oversized (> 1 MiB) or non-UTF-8 text by its position.
  std::vector<float> predict_proba(const std::string_view* texts, size_t count) const;
  std::vector<float> predict_proba(const std::vector<std::string>& texts) const;
  // The most probable label of each text. Binary models label a text with labels()[1] when
  // its probability is above 0.5, as `sentiment predict` does.
  std::vector<Prediction> predict(const std::string_view* texts, size_t count) const;
  std::vector<Prediction> predict(const std::vector<std::string>& texts) const;

  // Each word's contribution to the prediction (occlusion: the text without that occurrence).
  // Throws Error for text predict would refuse.
  Explanation explain(std::string_view text) const;

  struct Impl;

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  friend struct ModelAccess;
  std::unique_ptr<Impl> impl_;
};

// What a training run reports as it goes: after every batch, and at the end of every epoch
// (with the validation figures when there is a validation split).
struct TrainProgress {
  bool epoch_end = false;
  size_t epoch = 0;  // 1-based
  size_t epochs = 0;
  size_t step = 0;    // 1-based, within the epoch
  size_t steps = 0;   // per epoch
  double loss = 0.0;  // running mean over the epoch so far
  double accuracy = 0.0;
  bool has_validation = false;
  double val_loss = 0.0;
  double val_accuracy = 0.0;
  double seconds = 0.0;  // epoch_end: the epoch's wall time
};

struct TrainOptions {
  // The run configuration as JSON text, in the layout of configs/*.json and
  // `sentiment train --print-config` (only the keys given change the defaults: "{}" is the
  // IMDB recipe). config_file instead reads it from a file; give at most one.
  std::string config = "{}";
  std::string config_file;
  // The data, overriding the configuration's: an aclImdb folder or archive, or a labelled
  // corpus (folders per label, CSV, TSV or fastText format) and its optional test split.
  std::string imdb;
  std::string train_data;
  std::string test_data;
  // The run folder: final.model, best.model, checkpoint, config.json and history, as
  // `sentiment train --out` writes them. Empty: nothing is written (save() the result).
  std::string out;
  bool overwrite = false;  // replace a run already in out (otherwise an error)
  bool plot = false;       // also draw the accuracy and loss plots into out (gnuplot)
  bool download = false;   // fetch the IMDB archive when it is not found locally
  size_t threads = 0;      // 0: one per core
  // Called on the training thread; an exception thrown here stops training and propagates.
  std::function<void(const TrainProgress&)> progress;
  // The lines `sentiment train` prints about the run (data, model, test accuracy).
  std::function<void(const std::string&)> log;
};

struct TrainResult {
  Model model;
  // Per epoch, as Keras's History.history.
  std::vector<double> loss, accuracy, val_loss, val_accuracy;
  bool has_test = false;  // the data had a test split: the figures below are set
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  std::string out;  // the run folder written, or empty
};

// Trains exactly as `sentiment train` does with the same configuration and data (same seed:
// the same weights, for any thread count). Throws Error for a bad configuration, missing or
// bad data, or a run that diverges.
SENTIMENT_API TrainResult train(const TrainOptions& options);

}  // namespace abi0
}  // namespace sentiment
