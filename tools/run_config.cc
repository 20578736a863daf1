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

void check_keys(const Json& j, std::initializer_list<const char*> known, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object, got " + j.dump());
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw Error(where + ": unknown key '" + key + "' (known: " + list + ")");
    }
  }
}

template <typename T>
void read(const Json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const Json::exception&) {
    throw Error(where + ": '" + key + "' has the wrong type: " + j.at(key).dump());
  }
}

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
  check_keys(j, {"data", "model", "training"}, "config");
  if (j.contains("data")) {
    const Json& d = j.at("data");
    const std::string w = "config: data";
    check_keys(d,
               {"imdb", "train", "test", "format", "text_column", "label_column", "header",
                "maxlen", "padding", "truncating", "train_samples", "test_samples"},
               w);
    read(d, "imdb", c.data.imdb, w);
    read(d, "train", c.data.train, w);
    read(d, "test", c.data.test, w);
    read(d, "format", c.data.format, w);
    read(d, "text_column", c.data.text_column, w);
    read(d, "label_column", c.data.label_column, w);
    read(d, "header", c.data.header, w);
    read(d, "maxlen", c.data.maxlen, w);
    read(d, "padding", c.data.padding, w);
    read(d, "truncating", c.data.truncating, w);
    read(d, "train_samples", c.data.train_samples, w);
    read(d, "test_samples", c.data.test_samples, w);
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
    check_keys(t,
               {"epochs", "batch_size", "validation_split", "split", "seed", "learning_rate",
                "lr_schedule", "early_stopping", "clip_norm", "class_weight", "bucket_by_length",
                "checkpoint_monitor"},
               w);
    TrainConfig& tc = c.train;
    read(t, "epochs", tc.epochs, w);
    read(t, "batch_size", tc.batch_size, w);
    read(t, "validation_split", tc.validation_split, w);
    if (t.contains("split")) {
      std::string s;
      read(t, "split", s, w);
      tc.split_mode = parse_split_mode(s);
    }
    read(t, "seed", tc.seed, w);
    read(t, "learning_rate", tc.adam.learning_rate, w);
    read(t, "clip_norm", tc.clip_norm, w);
    read(t, "class_weight", c.class_weight, w);
    read(t, "bucket_by_length", tc.bucket_by_length, w);
    read(t, "checkpoint_monitor", tc.checkpoint_monitor, w);
    if (t.contains("lr_schedule")) {
      const Json& s = t.at("lr_schedule");
      const std::string ws = w + ": lr_schedule";
      check_keys(s,
                 {"kind", "min_lr", "step_every_epochs", "gamma", "warmup_epochs", "monitor",
                  "patience", "min_delta", "cooldown"},
                 ws);
      LrSchedule& ls = tc.schedule;
      if (s.contains("kind")) {
        std::string k;
        read(s, "kind", k, ws);
        ls.kind = parse_lr_schedule_kind(k);
      }
      read(s, "min_lr", ls.min_lr, ws);
      read(s, "step_every_epochs", ls.step_every_epochs, ws);
      read(s, "gamma", ls.gamma, ws);
      read(s, "warmup_epochs", ls.warmup_epochs, ws);
      read(s, "monitor", ls.monitor, ws);
      read(s, "patience", ls.patience, ws);
      read(s, "min_delta", ls.min_delta, ws);
      read(s, "cooldown", ls.cooldown, ws);
    }
    if (t.contains("early_stopping")) {
      const Json& e = t.at("early_stopping");
      if (e.is_null()) {
        tc.early_stopping.reset();
      } else {
        const std::string we = w + ": early_stopping";
        check_keys(e, {"monitor", "patience", "min_delta", "restore_best_weights"}, we);
        EarlyStoppingConfig es = tc.early_stopping.value_or(EarlyStoppingConfig{});
        read(e, "monitor", es.monitor, we);
        read(e, "patience", es.patience, we);
        read(e, "min_delta", es.min_delta, we);
        read(e, "restore_best_weights", es.restore_best_weights, we);
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
