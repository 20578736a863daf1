// The option table of `sentiment train` drives the flags and the run-config JSON: every
// option's flag sets its field, every option survives the JSON writer and reader, the
// layout of the JSON is the one config files, run folders and checkpoints already use, and
// options that cannot take effect are refused naming both options.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "run/run_config.h"
#include "run/train_options.h"
#include "train_option_flags.h"

namespace sentiment::cli {
namespace {

using Json = nlohmann::json;

// A value of the option's type that differs from def and is inside its range and choices.
Json sample(const TrainOption& o, const Json& def) {
  for (const std::string& c : o.choices)
    if (c != def) return c;
  switch (o.type) {
    case OptionType::kBool:
      return !def.get<bool>();
    case OptionType::kInt:
    case OptionType::kUnsigned: {
      double v = def.get<double>() + 1;
      if (o.has_range && v > o.max) v = o.min;
      return o.type == OptionType::kInt ? Json(static_cast<int>(v)) : Json(static_cast<size_t>(v));
    }
    case OptionType::kFloat:
    case OptionType::kDouble: {
      double v = def.get<double>() + 0.25;
      if (o.has_range && v > o.max) v = (o.min + o.max) / 2;
      return o.type == OptionType::kFloat ? Json(static_cast<float>(v)) : Json(v);
    }
    case OptionType::kString:
      return def.get<std::string>() + "x";
  }
  return nullptr;
}

// Configurations under which every option takes effect (each option uses the first that
// suits it).
std::vector<RunConfig> bases() {
  std::vector<RunConfig> out(1);  // the defaults
  for (LrSchedule::Kind kind :
       {LrSchedule::Kind::kStep, LrSchedule::Kind::kCosine, LrSchedule::Kind::kPlateau}) {
    RunConfig c;
    c.data.train = "train.csv";
    c.data.test = "test.csv";
    c.model.ngrams.order = 2;
    c.train.early_stopping = EarlyStoppingConfig{};
    c.train.schedule.kind = kind;
    out.push_back(c);
  }
  return out;
}

// base with o set to value, chosen so that o takes effect.
RunConfig config_where_it_applies(const TrainOption& o, const Json& value) {
  for (RunConfig c : bases()) {
    o.set(c, value);
    if (!o.applies || o.applies(c)) return c;
  }
  ADD_FAILURE() << o.key << " takes effect in none of the test's configurations";
  return RunConfig{};
}

std::string flag_text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

TEST(TrainOptions, TableIsWellFormed) {
  const auto& table = train_options();
  ASSERT_GT(table.size(), 40u);
  for (size_t a = 0; a < table.size(); ++a) {
    const TrainOption& o = table[a];
    EXPECT_FALSE(o.key.empty());
    EXPECT_FALSE(o.help.empty()) << o.key;
    EXPECT_TRUE(o.get && o.set) << o.key;
    if (o.applies) {
      EXPECT_NE(o.needs.find("{}"), std::string::npos) << o.key;
      EXPECT_NE(find_train_option(o.needs_option), nullptr) << o.key << " " << o.needs_option;
    }
    for (size_t b = a + 1; b < table.size(); ++b) {
      EXPECT_NE(o.key, table[b].key);
      if (!o.flag.empty()) {
        EXPECT_NE(o.flag_name(), table[b].flag_name());
      }
    }
  }
}

// Each flag, given on its own over a configuration, sets its option and nothing else.
TEST(TrainOptions, EveryFlagSetsItsField) {
  const RunConfig defaults;
  for (const TrainOption& o : train_options()) {
    if (o.flag.empty()) continue;
    const Json value = sample(o, o.get(defaults));
    ASSERT_NE(value, o.get(defaults)) << o.key;
    RunConfig expected = config_where_it_applies(o, value);
    RunConfig base = expected;
    o.set(base, o.get(defaults));
    CLI::App app;
    TrainOptionFlags flags;
    flags.add_to(app);
    const std::string args =
        o.flag_name() + (o.type == OptionType::kBool ? "" : " " + flag_text(value));
    ASSERT_NO_THROW(app.parse(args, false)) << args;
    EXPECT_TRUE(flags.given(o)) << args;
    EXPECT_EQ(flags.given_flags(), std::vector<std::string>{o.flag_name()});
    RunConfig c = base;
    flags.apply(c);
    EXPECT_EQ(o.get(c), value) << args;
    if (o.per_layer()) {
      for (const auto& layer : c.model.layers) EXPECT_EQ(o.layer_get(layer), value) << args;
    }
    EXPECT_EQ(run_config_to_json(c), run_config_to_json(expected)) << args;
  }
}

// Writer -> text -> reader gives back every option's value and the same JSON.
TEST(TrainOptions, EveryOptionRoundTripsThroughJson) {
  const RunConfig defaults;
  for (const TrainOption& o : train_options()) {
    const Json value = sample(o, o.get(defaults));
    const RunConfig c = config_where_it_applies(o, value);
    ASSERT_EQ(o.get(c), value) << o.key;
    const std::string text = run_config_to_json(c).dump(2);
    RunConfig back;
    ASSERT_NO_THROW(run_config_from_json(Json::parse(text), back)) << o.key << "\n" << text;
    EXPECT_EQ(o.get(back), value) << o.key;
    EXPECT_EQ(run_config_to_json(back).dump(2), text) << o.key;
  }
}

// The layout config files, run folders' config.json and checkpoints' run_json have.
TEST(TrainOptions, DefaultJsonKeepsItsLayout) {
  const std::string expected = R"({
  "data": {
    "imdb": "",
    "train": "",
    "test": "",
    "format": "auto",
    "text_column": "text",
    "label_column": "label",
    "header": true,
    "input_encoding": "utf-8",
    "on_error": "fail",
    "maxlen": 200,
    "padding": "pre",
    "truncating": "pre",
    "train_samples": 0,
    "test_samples": 0
  },
  "model": {
    "vocab_size": 10000,
    "embedding_dim": 64,
    "mask_zero": false,
    "layers": [
      {
        "cell": "lstm",
        "units": 64,
        "bidirectional": false,
        "dropout": 0.0,
        "recurrent_dropout": 0.0
      }
    ],
    "pooling": "last",
    "dropout": 0.0
  },
  "training": {
    "epochs": 5,
    "batch_size": 64,
    "validation_split": 0.2,
    "split": "tail",
    "seed": 1,
    "learning_rate": 0.001,
    "lr_schedule": {
      "kind": "constant",
      "min_lr": 0.0,
      "step_every_epochs": 10.0,
      "gamma": 0.1,
      "warmup_epochs": 0,
      "monitor": "val_loss",
      "patience": 10,
      "min_delta": 0.0001,
      "cooldown": 0
    },
    "early_stopping": null,
    "clip_norm": 0.0,
    "class_weight": "",
    "bucket_by_length": false,
    "checkpoint_monitor": "val_accuracy"
  }
})";
  const RunConfig defaults;
  EXPECT_EQ(run_config_to_json(defaults).dump(2), expected);
}

TEST(TrainOptions, OptionalSectionsAndLayers) {
  RunConfig c;
  c.model.ngrams.order = 1;
  c.train.early_stopping = EarlyStoppingConfig{};
  c.train.early_stopping->patience = 3;
  c.model.layers.resize(2);
  c.model.layers[1].units = 7;
  c.model.layers[1].cell = CellType::kGru;
  const auto j = run_config_to_json(c);
  EXPECT_EQ(j["model"]["ngrams"].dump(),
            R"({"order":1,"buckets":1048576,"dim":16,"binary":false})");
  EXPECT_EQ(j["training"]["early_stopping"].dump(),
            R"({"monitor":"val_loss","patience":3,"min_delta":0.0,"restore_best_weights":false})");
  ASSERT_EQ(j["model"]["layers"].size(), 2u);
  EXPECT_EQ(j["model"]["layers"][1]["units"], 7);
  EXPECT_EQ(j["model"]["layers"][1]["cell"], "gru");
  RunConfig back;
  run_config_from_json(Json::parse(j.dump()), back);
  EXPECT_EQ(back.model.layers[1].units, 7u);
  EXPECT_EQ(back.model.layers[0].units, 64u);
  EXPECT_EQ(back.train.early_stopping->patience, 3);
  // A partial file overrides only what it names; null turns early stopping off.
  run_config_from_json(Json::parse(R"({"training": {"early_stopping": null}})"), back);
  EXPECT_FALSE(back.train.early_stopping.has_value());
  EXPECT_EQ(back.model.layers.size(), 2u);
}

void expect_error(const std::string& json, const std::vector<std::string>& words) {
  RunConfig c;
  try {
    run_config_from_json(Json::parse(json), c);
    ADD_FAILURE() << "accepted: " << json;
  } catch (const Error& e) {
    for (const auto& w : words)
      EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what() << " lacks " << w;
  }
}

TEST(TrainOptions, ReaderIsStrict) {
  expect_error(R"({"modle": {}})", {"unknown key 'modle'"});
  expect_error(R"({"model": {"unitz": 3}})", {"unknown key 'unitz'", "vocab_size"});
  expect_error(R"({"model": {"layers": [{"unitz": 3}]}})", {"layers[0]", "unknown key 'unitz'"});
  expect_error(R"({"model": {"layers": []}})", {"non-empty array"});
  expect_error(R"({"model": {"num_classes": 3}})", {"num_classes comes from the data"});
  expect_error(R"({"training": {"lr_schedule": {"gama": 1}}})", {"unknown key 'gama'"});
  expect_error(R"({"training": {"early_stopping": {"patient": 1}}})", {"unknown key 'patient'"});
  expect_error(R"({"training": {"early_stopping": true}})", {"expected a JSON object"});
  expect_error(R"({"training": {"epochs": "five"}})", {"'epochs' has the wrong type"});
  expect_error(R"({"data": {"padding": "middle"}})", {"padding", "middle", "pre, post"});
  expect_error(R"({"model": {"layers": [{"cell": "tree"}]}})", {"cell", "tree"});
  expect_error(R"({"model": {"layers": [{"units": 0}]}})", {"units"});
}

// Integers are range-checked as written: no wrap of -1 into a huge count, no truncation
// of 2^40 into an int, no undefined cast of 1e30.
TEST(TrainOptions, IntegersAreRangeCheckedAsWritten) {
  expect_error(R"({"training": {"epochs": 1099511627776}})",
               {"'epochs' is 1099511627776", "2147483647"});
  expect_error(R"({"training": {"epochs": 1e30}})", {"'epochs' is 1e+30"});
  expect_error(R"({"training": {"epochs": 2.5}})", {"'epochs' has the wrong type"});
  expect_error(R"({"data": {"maxlen": -1}})", {"'maxlen' is -1"});
}

// A config nested past any real one is refused before anything prints or walks it (both
// recurse once per level: 10^6 levels overflowed the stack).
TEST(TrainOptions, DeeplyNestedConfigFileIsRefused) {
  const auto path = std::filesystem::temp_directory_path() / "sentiment-deep-config.json";
  {
    std::ofstream out(path);
    out << R"({"data": )" << std::string(1000000, '[') << std::string(1000000, ']') << "}";
  }
  RunConfig c;
  try {
    load_run_config(path.string(), c);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper than 100 levels"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

TEST(TrainOptions, ShippedConfigsLoad) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SENTIMENT_SOURCE_DIR "/configs")) {
    if (entry.path().extension() != ".json") continue;
    RunConfig c;
    EXPECT_NO_THROW(load_run_config(entry.path().string(), c)) << entry.path();
    EXPECT_NO_THROW(check_options_take_effect(c, [](const TrainOption&) { return false; }))
        << entry.path();
    ++n;
  }
  EXPECT_GT(n, 0);
}

// For every option that depends on another: given as a flag, or set in a config file, in a
// configuration where it cannot take effect, it is refused naming both options; where it
// can, it is accepted.
TEST(TrainOptions, OptionsThatCannotTakeEffectAreRefused) {
  const RunConfig defaults;
  int checked = 0;
  for (const TrainOption& o : train_options()) {
    if (!o.applies) continue;
    const Json value = sample(o, o.get(defaults));
    RunConfig off;
    if (o.key == "data.imdb") off.data.train = "train.csv";
    if (o.key == "data.test_samples") off.data.train = "train.csv";
    ASSERT_FALSE(o.applies(off)) << o.key;
    const TrainOption* other = find_train_option(o.needs_option);
    ASSERT_NE(other, nullptr);
    auto refused = [&](const RunConfig& c, bool flag, const std::string& a, const std::string& b) {
      try {
        check_options_take_effect(c, [&](const TrainOption& x) { return flag && &x == &o; });
        ADD_FAILURE() << a << " accepted";
      } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(a), std::string::npos) << what;
        EXPECT_NE(what.find(b), std::string::npos) << what;
        EXPECT_NE(what.find("has no effect"), std::string::npos) << what;
      }
    };
    if (!o.flag.empty()) refused(off, true, o.flag_name(), o.needs_option);
    RunConfig from_file = off;
    o.set(from_file, value);
    if (o.get(from_file) != o.get(defaults)) refused(from_file, false, o.key, other->key);
    // Where it applies, the same value is accepted.
    const RunConfig on = config_where_it_applies(o, value);
    EXPECT_NO_THROW(check_options_take_effect(on, [&](const TrainOption& x) { return &x == &o; }))
        << o.key;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// What CLI11 shows as a default: the value streamed in its C++ type.
std::string cli_default(const TrainOption& o, const Json& v) {
  std::ostringstream s;
  switch (o.type) {
    case OptionType::kBool:
      s << v.get<bool>();
      break;
    case OptionType::kInt:
      s << v.get<int>();
      break;
    case OptionType::kUnsigned:
      s << v.get<uint64_t>();
      break;
    case OptionType::kFloat:
      s << v.get<float>();
      break;
    case OptionType::kDouble:
      s << v.get<double>();
      break;
    case OptionType::kString:
      s << v.get<std::string>();
      break;
  }
  return s.str();
}

TEST(TrainOptions, HelpListsEveryOptionWithItsDefault) {
  CLI::App app;
  TrainOptionFlags flags;
  flags.add_to(app);
  const std::string help = app.help();
  const RunConfig defaults;
  for (const TrainOption& o : train_options()) {
    const std::string def = cli_default(o, o.get(defaults));
    if (o.flag.empty()) {
      EXPECT_NE(help.find(o.key + " [" + flag_text(o.get(defaults)) + "]: " + o.help),
                std::string::npos)
          << o.key;
      continue;
    }
    size_t at = help.find("  " + o.flag);
    while (at != std::string::npos && help[at + 2 + o.flag.size()] != ' ' &&
           help[at + 2 + o.flag.size()] != '\n')
      at = help.find("  " + o.flag, at + 1);
    ASSERT_NE(at, std::string::npos) << o.flag;
    const std::string entry = help.substr(at, help.find("\n  -", at + 1) - at);
    EXPECT_NE(entry.find(o.help), std::string::npos) << entry;
    if (o.type != OptionType::kBool && !def.empty()) {
      EXPECT_NE(entry.find("=" + def), std::string::npos) << entry;
    }
  }
}

}  // namespace
}  // namespace sentiment::cli
