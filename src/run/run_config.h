// The resolved configuration of a training run: data, model and training settings, as
// read from a JSON config file (`--config`), overridden by flags, shown by --print-config
// and stored in the run folder, the model file and the checkpoint. The JSON layout comes
// from the option table (train_options.h). Reading is strict: unknown keys, wrong types and
// values outside an option's choices are errors that name them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "data/input_policy.h"
#include "model/model.h"
#include "train/trainer.h"

namespace sentiment {

struct DataConfig {
  std::string imdb;   // aclImdb directory or archive; empty: search the usual places
  std::string train;  // a labelled text corpus instead of IMDB (folders, CSV, TSV, fastText)
  std::string test;   // its test split (optional)
  std::string format = "auto";
  std::string text_column = "text";
  std::string label_column = "label";
  bool header = true;
  data::InputPolicy policy;  // --input-encoding and --on-error, for IMDB and corpora alike
  size_t maxlen = 200;
  std::string padding = "pre";
  std::string truncating = "pre";
  size_t train_samples = 0;  // 0 = all
  size_t test_samples = 0;
};

struct RunConfig {
  DataConfig data;
  ModelConfig model;  // model.vocab_size is Keras's num_words; num_classes comes from the data
  TrainConfig train;
  std::string class_weight;  // "", "balanced" or "0:1.0,1:2.5"
};

nlohmann::ordered_json run_config_to_json(const RunConfig& config);
// Applies the keys present in j to config (a partial file overrides only what it names).
void run_config_from_json(const nlohmann::json& j, RunConfig& config);
// Reads a JSON config file; errors name the file.
void load_run_config(const std::string& path, RunConfig& config);

}  // namespace sentiment
