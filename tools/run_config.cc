// RunConfig <-> JSON.
#include "run_config.h"

#include <fstream>
#include <iterator>

#include "core/error.h"
#include "model/model_json.h"

namespace sentiment::cli {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

}  // namespace

nlohmann::ordered_json run_config_to_json(const RunConfig& c) {
  const DataConfig& d = c.data;
  const TrainConfig& t = c.train;
  const LrSchedule& s = t.schedule;
  OJson early = nullptr;
  if (t.early_stopping)
    early = {{"monitor", t.early_stopping->monitor},
             {"patience", t.early_stopping->patience},
             {"min_delta", t.early_stopping->min_delta},
             {"restore_best_weights", t.early_stopping->restore_best_weights}};
  OJson model = model_config_to_json(c.model);
  model.erase("num_classes");  // set by the data
  return {
      {"data",
       {{"imdb", d.imdb},
        {"train", d.train},
        {"test", d.test},
        {"format", d.format},
        {"text_column", d.text_column},
        {"label_column", d.label_column},
        {"header", d.header},
        {"maxlen", d.maxlen},
        {"padding", d.padding},
        {"truncating", d.truncating},
        {"train_samples", d.train_samples},
        {"test_samples", d.test_samples}}},
      {"model", model},
      {"training",
       {{"epochs", t.epochs},
        {"batch_size", t.batch_size},
        {"validation_split", t.validation_split},
        {"split", to_string(t.split_mode)},
        {"seed", t.seed},
        {"learning_rate", t.adam.learning_rate},
        {"lr_schedule",
         {{"kind", to_string(s.kind)},
          {"min_lr", s.min_lr},
          {"step_every_epochs", s.step_every_epochs},
          {"gamma", s.gamma},
          {"warmup_epochs", s.warmup_epochs},
          {"monitor", s.monitor},
          {"patience", s.patience},
          {"min_delta", s.min_delta},
          {"cooldown", s.cooldown}}},
        {"early_stopping", early},
        {"clip_norm", t.clip_norm},
        {"class_weight", c.class_weight},
        {"bucket_by_length", t.bucket_by_length},
        {"checkpoint_monitor", t.checkpoint_monitor}}},
  };
}

void run_config_from_json(const nlohmann::json& j, RunConfig& c) {
  json_check_keys(j, {"data", "model", "training"}, "config");
  if (j.contains("data")) {
    const Json& d = j.at("data");
    const std::string w = "config: data";
    json_check_keys(d,
                    {"imdb", "train", "test", "format", "text_column", "label_column", "header",
                     "maxlen", "padding", "truncating", "train_samples", "test_samples"},
                    w);
    json_read(d, "imdb", c.data.imdb, w);
    json_read(d, "train", c.data.train, w);
    json_read(d, "test", c.data.test, w);
    json_read(d, "format", c.data.format, w);
    json_read(d, "text_column", c.data.text_column, w);
    json_read(d, "label_column", c.data.label_column, w);
    json_read(d, "header", c.data.header, w);
    json_read(d, "maxlen", c.data.maxlen, w);
    json_read(d, "padding", c.data.padding, w);
    json_read(d, "truncating", c.data.truncating, w);
    json_read(d, "train_samples", c.data.train_samples, w);
    json_read(d, "test_samples", c.data.test_samples, w);
    for (const std::string* p : {&c.data.padding, &c.data.truncating})
      if (*p != "pre" && *p != "post")
        throw Error(w + ": padding and truncating must be 'pre' or 'post', got '" + *p + "'");
  }
  if (j.contains("model")) {
    Json m = j.at("model");
    if (m.is_object() && m.contains("num_classes"))
      throw Error("config: model: num_classes comes from the data, remove it");
    model_config_from_json(m, c.model);
  }
  if (j.contains("training")) {
    const Json& t = j.at("training");
    const std::string w = "config: training";
    json_check_keys(t,
                    {"epochs", "batch_size", "validation_split", "split", "seed", "learning_rate",
                     "lr_schedule", "early_stopping", "clip_norm", "class_weight",
                     "bucket_by_length", "checkpoint_monitor"},
                    w);
    TrainConfig& tc = c.train;
    json_read(t, "epochs", tc.epochs, w);
    json_read(t, "batch_size", tc.batch_size, w);
    json_read(t, "validation_split", tc.validation_split, w);
    if (t.contains("split")) {
      std::string s;
      json_read(t, "split", s, w);
      tc.split_mode = parse_split_mode(s);
    }
    json_read(t, "seed", tc.seed, w);
    json_read(t, "learning_rate", tc.adam.learning_rate, w);
    json_read(t, "clip_norm", tc.clip_norm, w);
    json_read(t, "class_weight", c.class_weight, w);
    json_read(t, "bucket_by_length", tc.bucket_by_length, w);
    json_read(t, "checkpoint_monitor", tc.checkpoint_monitor, w);
    if (t.contains("lr_schedule")) {
      const Json& s = t.at("lr_schedule");
      const std::string ws = w + ": lr_schedule";
      json_check_keys(s,
                      {"kind", "min_lr", "step_every_epochs", "gamma", "warmup_epochs", "monitor",
                       "patience", "min_delta", "cooldown"},
                      ws);
      LrSchedule& ls = tc.schedule;
      if (s.contains("kind")) {
        std::string k;
        json_read(s, "kind", k, ws);
        ls.kind = parse_lr_schedule_kind(k);
      }
      json_read(s, "min_lr", ls.min_lr, ws);
      json_read(s, "step_every_epochs", ls.step_every_epochs, ws);
      json_read(s, "gamma", ls.gamma, ws);
      json_read(s, "warmup_epochs", ls.warmup_epochs, ws);
      json_read(s, "monitor", ls.monitor, ws);
      json_read(s, "patience", ls.patience, ws);
      json_read(s, "min_delta", ls.min_delta, ws);
      json_read(s, "cooldown", ls.cooldown, ws);
    }
    if (t.contains("early_stopping")) {
      const Json& e = t.at("early_stopping");
      if (e.is_null()) {
        tc.early_stopping.reset();
      } else {
        const std::string we = w + ": early_stopping";
        json_check_keys(e, {"monitor", "patience", "min_delta", "restore_best_weights"}, we);
        EarlyStoppingConfig es = tc.early_stopping.value_or(EarlyStoppingConfig{});
        json_read(e, "monitor", es.monitor, we);
        json_read(e, "patience", es.patience, we);
        json_read(e, "min_delta", es.min_delta, we);
        json_read(e, "restore_best_weights", es.restore_best_weights, we);
        tc.early_stopping = es;
      }
    }
  }
}

void load_run_config(const std::string& path, RunConfig& config) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open config file " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json j;
  try {
    j = Json::parse(text, nullptr, true, true);  // comments allowed
  } catch (const Json::exception& e) {
    throw Error("config file " + path + " is not valid JSON: " + e.what());
  }
  try {
    run_config_from_json(j, config);
  } catch (const Error& e) {
    throw Error("config file " + path + ": " + e.what());
  }
}

}  // namespace sentiment::cli
