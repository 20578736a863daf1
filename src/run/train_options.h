// The options of `sentiment train`, each declared once in one table: its flag, JSON key in the
// run configuration, type, default (the field's initial value in RunConfig), range or
// choices, help text, and when it can take effect. The CLI11 flags, the run-config JSON
// reader and writer (run_config.cc), --print-config and --help are all made from this table,
// so adding an option is one entry here plus the field it sets.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "run/run_config.h"

namespace sentiment {

// The C++ type of an option's field, which is also how its flag parses and how its JSON
// value is read. Enums (cell, pooling, ...) are kString with choices.
enum class OptionType { kBool, kInt, kUnsigned, kFloat, kDouble, kString };

struct TrainOption {
  using Json = nlohmann::json;

  // "--units"; a negating bool flag carries CLI11's "{false}" ("--no-header{false}"); empty
  // for options that only config files set.
  std::string flag;
  // Path in the run configuration JSON: "training.epochs". Per-layer options are
  // "model.layers[].units"; "model.layers" is the number of layers (the array's length).
  std::string key;
  OptionType type = OptionType::kString;
  std::string help;

  // Checks on flag values (config values are validated by validate_model_config and
  // validate_train_config, as they always were). Choices apply to both.
  bool has_range = false;
  double min = 0.0, max = 0.0;  // inclusive
  bool positive = false;        // > 0
  std::vector<std::string> choices;

  // The value as JSON, and setting it from JSON of the option's type. Per-layer options
  // read the first layer and set every layer.
  std::function<Json(const RunConfig&)> get;
  std::function<void(RunConfig&, const Json&)> set;
  std::function<Json(const RecurrentLayerConfig&)> layer_get;         // per-layer only
  std::function<void(RecurrentLayerConfig&, const Json&)> layer_set;  // per-layer only
  // When the option can take effect (empty: always). A flag given, or a config value that
  // differs from the default, for an option that cannot take effect is an error:
  // "<option> has no effect <needs>", with {} in needs replaced by needs_option (a flag,
  // or its JSON key when the error is about a config file).
  std::function<bool(const RunConfig&)> applies;
  std::string needs;
  std::string needs_option;
  // Whether the writer emits the key (empty: always): the n-gram head's keys exist only
  // when it is on. A section key of type kBool whose JSON is null or an object
  // (training.early_stopping) is written as null when false.
  std::function<bool(const RunConfig&)> written;
  bool section = false;

  bool per_layer() const { return static_cast<bool>(layer_get); }
  // The flag without CLI11's "{false}".
  std::string flag_name() const;
  // The key inside its object ("units" for "model.layers[].units").
  std::string leaf() const;
  // The object holding the key ("model.layers[]" for "model.layers[].units").
  std::string parent() const;
};

// Every option, in the order of the JSON layout (and of --help within each group).
const std::vector<TrainOption>& train_options();
const TrainOption* find_train_option(const std::string& flag_or_key);

// Throws Error when an option's value is outside its choices; `what` names it.
void check_option_choice(const TrainOption& option, const nlohmann::json& value,
                         const std::string& what);

// Refuses options that cannot take effect in config (see TrainOption::applies): those for
// which given(option) is true name the flag, others that differ from their default name
// the JSON key (they came from a config file).
void check_options_take_effect(const RunConfig& config,
                               const std::function<bool(const TrainOption&)>& given);

}  // namespace sentiment
