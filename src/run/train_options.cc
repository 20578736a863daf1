// The table of `sentiment train` options, and the checks made from it.
#include "run/train_options.h"

#include <cstdint>
#include <type_traits>
#include <utility>

#include "core/error.h"
#include "run/input_policy_options.h"

namespace sentiment {
namespace {

using Json = nlohmann::json;

template <typename T>
constexpr OptionType type_of() {
  if constexpr (std::is_same_v<T, bool>) return OptionType::kBool;
  if constexpr (std::is_same_v<T, int>) return OptionType::kInt;
  if constexpr (std::is_same_v<T, size_t> || std::is_same_v<T, uint64_t>) {
    static_assert(sizeof(T) == sizeof(uint64_t));
    return OptionType::kUnsigned;
  }
  if constexpr (std::is_same_v<T, float>) return OptionType::kFloat;
  if constexpr (std::is_same_v<T, double>) return OptionType::kDouble;
  if constexpr (std::is_same_v<T, std::string>) return OptionType::kString;
}

// Fluent declaration of one table entry.
struct Decl {
  TrainOption o;
  Decl&& range(double lo, double hi) && {
    o.has_range = true, o.min = lo, o.max = hi;
    return std::move(*this);
  }
  Decl&& positive() && {
    o.positive = true;
    return std::move(*this);
  }
  Decl&& one_of(std::vector<std::string> choices) && {
    o.choices = std::move(choices);
    return std::move(*this);
  }
  // Takes effect only when applies(config); needs says otherwise, {} naming the option.
  Decl&& only_if(std::function<bool(const RunConfig&)> applies, std::string needs,
                 std::string option) && {
    o.applies = std::move(applies), o.needs = std::move(needs), o.needs_option = std::move(option);
    return std::move(*this);
  }
  Decl&& written_if(std::function<bool(const RunConfig&)> written) && {
    o.written = std::move(written);
    return std::move(*this);
  }
  operator TrainOption() && { return std::move(o); }  // NOLINT: the table's entries
};

// An option on a field of RunConfig; field(c) returns a reference to it for a const or
// non-const c.
template <typename F>
Decl option(std::string flag, std::string key, std::string help, F field) {
  using T = std::decay_t<decltype(field(std::declval<RunConfig&>()))>;
  Decl d;
  d.o.flag = std::move(flag), d.o.key = std::move(key), d.o.help = std::move(help);
  d.o.type = type_of<T>();
  d.o.get = [field](const RunConfig& c) { return Json(field(c)); };
  d.o.set = [field](RunConfig& c, const Json& v) { field(c) = v.get<T>(); };
  return d;
}

// An option stored as a string choice (an enum field): get and set convert.
Decl choice(std::string flag, std::string key, std::string help, std::vector<std::string> choices,
            std::function<std::string(const RunConfig&)> get,
            std::function<void(RunConfig&, const std::string&)> set) {
  Decl d;
  d.o.flag = std::move(flag), d.o.key = std::move(key), d.o.help = std::move(help);
  d.o.type = OptionType::kString;
  d.o.choices = std::move(choices);
  d.o.get = [get](const RunConfig& c) { return Json(get(c)); };
  d.o.set = [set](RunConfig& c, const Json& v) { set(c, v.get<std::string>()); };
  return d;
}

// A per-layer option: the flag sets every layer; JSON has it in each element of
// model.layers. get and set work on one layer.
Decl layer_option(std::string flag, const std::string& leaf, std::string help,
                  std::function<Json(const RecurrentLayerConfig&)> get,
                  std::function<void(RecurrentLayerConfig&, const Json&)> set, OptionType type) {
  Decl d;
  d.o.flag = std::move(flag), d.o.key = "model.layers[]." + leaf, d.o.help = std::move(help);
  d.o.type = type;
  d.o.layer_get = get;
  d.o.layer_set = set;
  d.o.get = [get](const RunConfig& c) { return get(c.model.layers.front()); };
  d.o.set = [set](RunConfig& c, const Json& v) {
    for (auto& l : c.model.layers) set(l, v);
  };
  return d;
}

template <typename F>
Decl layer_field(std::string flag, const std::string& leaf, std::string help, F field) {
  using T = std::decay_t<decltype(field(std::declval<RecurrentLayerConfig&>()))>;
  return layer_option(
      std::move(flag), leaf, std::move(help),
      [field](const RecurrentLayerConfig& l) { return Json(field(l)); },
      [field](RecurrentLayerConfig& l, const Json& v) { field(l) = v.get<T>(); }, type_of<T>());
}

// Early stopping's settings, which exist only while it is on.
template <typename F>
Decl early_stopping_option(std::string flag, const std::string& leaf, std::string help, F field) {
  using T = std::decay_t<decltype(field(std::declval<EarlyStoppingConfig&>()))>;
  Decl d;
  d.o.flag = std::move(flag), d.o.key = "training.early_stopping." + leaf;
  d.o.help = std::move(help);
  d.o.type = type_of<T>();
  d.o.get = [field](const RunConfig& c) {
    const EarlyStoppingConfig defaults;
    return Json(field(c.train.early_stopping ? *c.train.early_stopping : defaults));
  };
  d.o.set = [field](RunConfig& c, const Json& v) {
    if (c.train.early_stopping) field(*c.train.early_stopping) = v.get<T>();
  };
  return std::move(d).only_if([](const RunConfig& c) { return c.train.early_stopping.has_value(); },
                              "without {}", "--early-stopping");
}

bool uses_train_corpus(const RunConfig& c) {
  return !c.data.train.empty();
}
bool schedule_is(const RunConfig& c, std::initializer_list<LrSchedule::Kind> kinds) {
  for (LrSchedule::Kind k : kinds)
    if (c.train.schedule.kind == k) return true;
  return false;
}
using Kind = LrSchedule::Kind;

const std::vector<std::string> kMonitors = {"val_loss", "val_accuracy", "loss", "accuracy"};

std::vector<TrainOption> make_table() {
  std::vector<TrainOption> t;
  auto add = [&t](TrainOption o) { t.push_back(std::move(o)); };
  const auto corpus_only = [](Decl d) {
    return std::move(d).only_if(uses_train_corpus, "without {} (it applies to a --train corpus)",
                                "--train");
  };

  // Data.
  add(option(
          "--data", "data.imdb",
          "aclImdb directory or .tar.gz (default: $IMDB_DATA, ./data, ../shared/data/imdb, "
          "the user cache, else download)",
          [](auto& c) -> auto& { return c.data.imdb; })
          .only_if([](const RunConfig& c) { return c.data.train.empty(); },
                   "with {} (it names the IMDB data)", "--train"));
  add(option(
      "--train", "data.train",
      "A labelled corpus to train on instead of IMDB: class folders, .csv, .tsv or "
      "fastText __label__ lines",
      [](auto& c) -> auto& { return c.data.train; }));
  add(corpus_only(option(
      "--test", "data.test", "Its test split (same format)",
      [](auto& c) -> auto& { return c.data.test; })));
  add(corpus_only(option(
                      "--format", "data.format", "Corpus format",
                      [](auto& c) -> auto& { return c.data.format; })
                      .one_of({"auto", "folders", "csv", "tsv", "fasttext"})));
  add(corpus_only(option(
      "--text-column", "data.text_column", "CSV/TSV text column (name or index)",
      [](auto& c) -> auto& { return c.data.text_column; })));
  add(corpus_only(option(
      "--label-column", "data.label_column", "CSV/TSV label column (name or index)",
      [](auto& c) -> auto& { return c.data.label_column; })));
  add(corpus_only(option(
      "--no-header{false}", "data.header", "CSV/TSV files have no header row",
      [](auto& c) -> auto& { return c.data.header; })));
  const PolicyFlag& encoding = input_encoding_flag();
  add(choice(
      encoding.flag, encoding.key, encoding.help, encoding.choices,
      [](const RunConfig& c) { return data::to_string(c.data.policy.encoding); },
      [](RunConfig& c, const std::string& v) {
        c.data.policy.encoding = data::parse_input_encoding(v);
      }));
  const PolicyFlag& on_error = on_error_flag();
  add(choice(
      on_error.flag, on_error.key, on_error.help, on_error.choices,
      [](const RunConfig& c) { return data::to_string(c.data.policy.on_error); },
      [](RunConfig& c, const std::string& v) {
        c.data.policy.on_error = data::parse_on_error(v);
      }));
  add(option(
          "--maxlen", "data.maxlen", "Pad/truncate every text to this many tokens",
          [](auto& c) -> auto& { return c.data.maxlen; })
          .range(1, static_cast<double>(kMaxSequenceLength)));
  add(option(
          "--padding", "data.padding", "Where padding goes",
          [](auto& c) -> auto& { return c.data.padding; })
          .one_of({"pre", "post"}));
  add(option(
          "--truncating", "data.truncating", "Which end loses tokens",
          [](auto& c) -> auto& { return c.data.truncating; })
          .one_of({"pre", "post"}));
  add(option(
      "--train-samples", "data.train_samples",
      "Use only the first N shuffled training texts (0 = all)",
      [](auto& c) -> auto& { return c.data.train_samples; }));
  add(option(
          "--test-samples", "data.test_samples",
          "Evaluate on the first N shuffled test texts (0 = all)",
          [](auto& c) -> auto& { return c.data.test_samples; })
          .only_if([](const RunConfig& c) { return c.data.train.empty() || !c.data.test.empty(); },
                   "with --train and no {}", "--test"));

  // Model.
  add(option(
          "--vocab-size", "model.vocab_size", "Keep word indices below this (Keras num_words)",
          [](auto& c) -> auto& { return c.model.vocab_size; })
          .range(4, static_cast<double>(kMaxVocabulary)));
  add(option(
          "--embedding-dim", "model.embedding_dim", "Embedding size E",
          [](auto& c) -> auto& { return c.model.embedding_dim; })
          .range(1, static_cast<double>(kMaxEmbeddingDim)));
  add(option(
      "--mask-zero", "model.mask_zero",
      "Mask padding: padded steps keep the state and cost nothing",
      [](auto& c) -> auto& { return c.model.mask_zero; }));
  {
    Decl layers;
    layers.o.flag = "--layers", layers.o.key = "model.layers", layers.o.type = OptionType::kInt;
    layers.o.help =
        "Stacked recurrent layers (copies of the first, each feeding the next its whole "
        "output sequence)";
    layers.o.get = [](const RunConfig& c) { return Json(static_cast<int>(c.model.layers.size())); };
    layers.o.set = [](RunConfig& c, const Json& v) {
      c.model.layers.resize(v.get<size_t>(), c.model.layers.front());
    };
    add(std::move(layers).range(1, static_cast<double>(kMaxLayers)));
  }
  add(layer_option(
          "--cell", "cell", "Recurrent cell of every layer",
          [](const RecurrentLayerConfig& l) { return Json(to_string(l.cell)); },
          [](RecurrentLayerConfig& l, const Json& v) { l.cell = parse_cell(v.get<std::string>()); },
          OptionType::kString)
          .one_of({"lstm", "gru", "simple_rnn"}));
  add(layer_field(
          "--units", "units", "Units H of every recurrent layer",
          [](auto& l) -> auto& { return l.units; })
          .range(1, static_cast<double>(kMaxUnits)));
  add(layer_field(
      "--bidirectional", "bidirectional",
      "Bidirectional layers (forward and backward outputs concatenated)",
      [](auto& l) -> auto& { return l.bidirectional; }));
  add(layer_field(
          "--dropout", "dropout",
          "Dropout on each recurrent layer's inputs (one mask per sequence)",
          [](auto& l) -> auto& { return l.dropout; })
          .range(0.0, 0.99));
  add(layer_field(
          "--recurrent-dropout", "recurrent_dropout",
          "Dropout on h(t-1) into the recurrent weights (one mask per sequence)",
          [](auto& l) -> auto& { return l.recurrent_dropout; })
          .range(0.0, 0.99));
  add(choice(
      "--pooling", "model.pooling",
      "What the output layer sees: the last state, or max/mean over time",
      {"last", "max", "mean", "max_mean"},
      [](const RunConfig& c) { return to_string(c.model.pooling); },
      [](RunConfig& c, const std::string& s) { c.model.pooling = parse_pooling(s); }));
  add(option(
          "--dense-dropout", "model.dropout",
          "Dropout on the pooled features before the output layer",
          [](auto& c) -> auto& { return c.model.dropout; })
          .range(0.0, 0.99));
  // The n-gram head's keys are written only when it is on, as model files have them.
  const auto ngrams_on = [](const RunConfig& c) { return c.model.ngrams.enabled(); };
  add(option(
          "--ngrams", "model.ngrams.order",
          "Add an n-gram head beside the recurrent layers, averaged with them: the mean "
          "embedding of every word and n-gram of up to this many words into its own output "
          "layer, trained on its own loss (0 = none)",
          [](auto& c) -> auto& { return c.model.ngrams.order; })
          .range(0, static_cast<double>(kMaxNgramOrder))
          .written_if(ngrams_on));
  add(option(
          "--ngram-buckets", "model.ngrams.buckets",
          "Hash buckets for n-grams of two or more words",
          [](auto& c) -> auto& { return c.model.ngrams.buckets; })
          .range(0, static_cast<double>(kMaxNgramBuckets))
          .written_if(ngrams_on)
          .only_if([](const RunConfig& c) { return c.model.ngrams.order >= 2; },
                   "unless {} is 2 or more", "--ngrams"));
  add(option(
          "--ngram-dim", "model.ngrams.dim", "Embedding size of the n-gram bag",
          [](auto& c) -> auto& { return c.model.ngrams.dim; })
          .range(0, static_cast<double>(kMaxNgramDim))
          .written_if(ngrams_on)
          .only_if(ngrams_on, "without {}", "--ngrams"));
  add(option(
          "--ngram-binary", "model.ngrams.binary",
          "Count each distinct n-gram once per text in the n-gram head's mean",
          [](auto& c) -> auto& { return c.model.ngrams.binary; })
          .written_if(ngrams_on)
          .only_if(ngrams_on, "without {}", "--ngrams"));

  // Training.
  add(option(
          "--epochs", "training.epochs", "Training epochs",
          [](auto& c) -> auto& { return c.train.epochs; })
          .range(1, 100000));
  add(option(
          "--batch-size", "training.batch_size", "Mini-batch size",
          [](auto& c) -> auto& { return c.train.batch_size; })
          .range(1, 1 << 20));
  add(option(
          "--validation-split", "training.validation_split",
          "Fraction of the training rows held out, in [0, 1)",
          [](auto& c) -> auto& { return c.train.validation_split; })
          .range(0.0, 0.999999));
  add(choice(
      "--split", "training.split",
      "Which rows are held out: the last ones (Keras), a seeded shuffle, or a stratified "
      "shuffle keeping class proportions",
      {"tail", "shuffle", "stratified"},
      [](const RunConfig& c) { return to_string(c.train.split_mode); },
      [](RunConfig& c, const std::string& s) { c.train.split_mode = parse_split_mode(s); }));
  add(option(
      "--seed", "training.seed", "Random seed (initialisation, shuffling, dropout)",
      [](auto& c) -> auto& { return c.train.seed; }));
  add(option(
          "--learning-rate", "training.learning_rate", "Adam learning rate",
          [](auto& c) -> auto& { return c.train.adam.learning_rate; })
          .positive());
  add(choice(
      "--lr-schedule", "training.lr_schedule.kind",
      "Learning-rate schedule: constant, step (x gamma every --lr-step epochs), cosine (to "
      "--min-lr), plateau (x gamma after --lr-patience epochs without val_loss improving)",
      {"constant", "step", "cosine", "plateau"},
      [](const RunConfig& c) { return to_string(c.train.schedule.kind); },
      [](RunConfig& c, const std::string& s) {
        c.train.schedule.kind = parse_lr_schedule_kind(s);
      }));
  const std::string schedule_flag = "--lr-schedule";
  add(option(
          "--min-lr", "training.lr_schedule.min_lr", "Floor of the learning rate",
          [](auto& c) -> auto& { return c.train.schedule.min_lr; })
          .only_if([](const RunConfig& c) { return !schedule_is(c, {Kind::kConstant}); },
                   "unless {} is step, cosine or plateau", schedule_flag));
  add(option(
          "--lr-step", "training.lr_schedule.step_every_epochs", "Epochs per step decay",
          [](auto& c) -> auto& { return c.train.schedule.step_every_epochs; })
          .only_if([](const RunConfig& c) { return schedule_is(c, {Kind::kStep}); },
                   "unless {} is step", schedule_flag));
  add(option(
          "--lr-gamma", "training.lr_schedule.gamma", "Decay factor (step, plateau)",
          [](auto& c) -> auto& { return c.train.schedule.gamma; })
          .only_if(
              [](const RunConfig& c) {
                return schedule_is(c, {Kind::kStep, Kind::kPlateau});
              },
              "unless {} is step or plateau", schedule_flag));
  add(option(
          "--warmup-epochs", "training.lr_schedule.warmup_epochs", "Cosine: linear warm-up",
          [](auto& c) -> auto& { return c.train.schedule.warmup_epochs; })
          .only_if([](const RunConfig& c) { return schedule_is(c, {Kind::kCosine}); },
                   "unless {} is cosine", schedule_flag));
  const auto plateau_only = [&schedule_flag](Decl d) {
    return std::move(d).only_if([](const RunConfig& c) { return schedule_is(c, {Kind::kPlateau}); },
                                "unless {} is plateau", schedule_flag);
  };
  add(plateau_only(option(
                       "", "training.lr_schedule.monitor",
                       "Plateau: the quantity watched (val_loss, val_accuracy, loss, accuracy)",
                       [](auto& c) -> auto& { return c.train.schedule.monitor; })
                       .one_of(kMonitors)));
  add(plateau_only(option(
      "--lr-patience", "training.lr_schedule.patience", "Plateau: epochs to wait",
      [](auto& c) -> auto& { return c.train.schedule.patience; })));
  add(plateau_only(option(
      "", "training.lr_schedule.min_delta", "Plateau: smallest improvement",
      [](auto& c) -> auto& { return c.train.schedule.min_delta; })));
  add(plateau_only(option(
      "", "training.lr_schedule.cooldown",
      "Plateau: epochs after a reduction during which waiting is not counted",
      [](auto& c) -> auto& { return c.train.schedule.cooldown; })));
  {
    // JSON: null when off, else an object of the settings below.
    Decl early;
    early.o.flag = "--early-stopping", early.o.key = "training.early_stopping";
    early.o.type = OptionType::kBool, early.o.section = true;
    early.o.help = "Stop when --monitor has not improved for --patience epochs";
    early.o.get = [](const RunConfig& c) { return Json(c.train.early_stopping.has_value()); };
    early.o.set = [](RunConfig& c, const Json& v) {
      if (v.get<bool>())
        c.train.early_stopping = c.train.early_stopping.value_or(EarlyStoppingConfig{});
      else
        c.train.early_stopping.reset();
    };
    add(std::move(early));
  }
  add(early_stopping_option(
          "--monitor", "monitor",
          "Early stopping's quantity: val_loss, val_accuracy, loss or accuracy",
          [](auto& e) -> auto& { return e.monitor; })
          .one_of(kMonitors));
  add(early_stopping_option(
          "--patience", "patience", "Early stopping: epochs without improvement",
          [](auto& e) -> auto& { return e.patience; })
          .range(0, 100000));
  add(early_stopping_option(
          "--min-delta", "min_delta", "Early stopping: smallest improvement",
          [](auto& e) -> auto& { return e.min_delta; })
          .range(0.0, 1e9));
  add(early_stopping_option(
      "--restore-best", "restore_best_weights", "Early stopping: end with the best epoch's weights",
      [](auto& e) -> auto& { return e.restore_best_weights; }));
  add(option(
          "--clip-norm", "training.clip_norm",
          "Clip each batch gradient to this global L2 norm (0 = off)",
          [](auto& c) -> auto& { return c.train.clip_norm; })
          .range(0.0, 1e30));
  add(option(
      "--class-weight", "training.class_weight",
      "Per-class loss weights: 'balanced' or e.g. '0:1,1:2.5'",
      [](auto& c) -> auto& { return c.class_weight; }));
  // Without --mask-zero bucketing still changes which rows share a batch, so it has an
  // effect of its own.
  add(option(
      "--bucket", "training.bucket_by_length",
      "Batch texts of similar length together (with --mask-zero: less work)",
      [](auto& c) -> auto& { return c.train.bucket_by_length; }));
  add(option(
          "--checkpoint-monitor", "training.checkpoint_monitor",
          "What makes an epoch the best for best.model",
          [](auto& c) -> auto& { return c.train.checkpoint_monitor; })
          .one_of(kMonitors));
  return t;
}

std::string json_text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

}  // namespace

std::string TrainOption::flag_name() const {
  return flag.substr(0, flag.find('{'));
}

std::string TrainOption::leaf() const {
  return key.substr(key.rfind('.') + 1);
}

std::string TrainOption::parent() const {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? "" : key.substr(0, dot);
}

const std::vector<TrainOption>& train_options() {
  static const std::vector<TrainOption> table = make_table();
  return table;
}

const TrainOption* find_train_option(const std::string& flag_or_key) {
  for (const TrainOption& o : train_options())
    if ((!o.flag.empty() && o.flag_name() == flag_or_key) || o.key == flag_or_key) return &o;
  return nullptr;
}

void check_option_choice(const TrainOption& option, const nlohmann::json& value,
                         const std::string& what) {
  if (option.choices.empty()) return;
  for (const auto& c : option.choices)
    if (value == c) return;
  throw Error(what + ": got '" + json_text(value) + "', expected one of " + join(option.choices));
}

void check_options_take_effect(const RunConfig& config,
                               const std::function<bool(const TrainOption&)>& given) {
  static const RunConfig defaults;
  for (const TrainOption& o : train_options()) {
    if (!o.applies || o.applies(config)) continue;
    const TrainOption* other = find_train_option(o.needs_option);
    std::string needs = o.needs;
    const bool flag = !o.flag.empty() && given(o);
    if (!flag && o.get(config) == o.get(defaults)) continue;
    const std::string name = flag ? o.flag_name() : "config value " + o.key;
    const std::string other_name = flag || !other ? o.needs_option : other->key;
    needs.replace(needs.find("{}"), 2, other_name);
    std::string detail = flag ? "" : " (set to " + json_text(o.get(config)) + ")";
    throw Error(name + detail + " has no effect " + needs);
  }
}

}  // namespace sentiment
