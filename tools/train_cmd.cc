// `sentiment train`: loads and encodes the data (IMDB, or any labelled text corpus), builds
// the model described by flags and/or a config file, trains with Keras fit semantics
// (schedules, early stopping, clipping, class weights), evaluates on the test split and
// writes models, a resumable checkpoint, history and plots to --out.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/file_util.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "data/labelled_text.h"
#include "io/classifier.h"
#include "io/model_file.h"
#include "kernels/cpu/gemm.h"
#include "model/model.h"
#include "run_config.h"
#include "train/checkpoint.h"
#include "train/history.h"
#include "train/plot.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpointName = "checkpoint.state";

struct TrainOptions {
  std::string config_file;
  std::string out;
  std::string resume;
  bool print_config = false;
  int threads = 0;
  bool no_download = false;
  bool no_plot = false;
  long abort_after_steps = 0;  // testing: simulate a crash after this many steps
  RunConfig flags;             // values of the flags below, applied when given
  // Flags given on the command line override the config file; each knows how to apply
  // itself.
  std::vector<std::pair<CLI::Option*, std::function<void(RunConfig&)>>> overrides;
  int layers = 1;
  std::string cell = "lstm", pooling = "last", split = "tail", lr_schedule = "constant";
  size_t units = 64;
  bool bidirectional = false;
  float dropout = 0.0f, recurrent_dropout = 0.0f;
  bool early_stopping = false;
  std::string monitor = "val_loss";
  int patience = 0;
  double min_delta = 0.0;
  bool restore_best = false;
};

fs::path default_out_dir() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  fs::path dir = fs::path("runs") / stamp;
  for (int k = 2; fs::exists(dir); ++k)
    dir = fs::path("runs") / (std::string(stamp) + "-" + std::to_string(k));
  return dir;
}

data::PadMode pad_mode(const std::string& s) {
  return s == "post" ? data::PadMode::kPost : data::PadMode::kPre;
}

void take_first(data::EncodedSplit& split, size_t n) {
  if (n == 0 || n >= split.n) return;
  split.n = n;
  split.tokens.resize(n * split.maxlen);
  split.labels.resize(n);
}

std::string describe(const ModelConfig& m) {
  std::string s = "Embedding(" + std::to_string(m.vocab_size) + ", " +
                  std::to_string(m.embedding_dim) + (m.mask_zero ? ", mask_zero" : "") + ")";
  for (const auto& l : m.layers) {
    const char* names[] = {"LSTM", "GRU", "SimpleRNN"};
    std::string layer =
        std::string(names[static_cast<int>(l.cell)]) + "(" + std::to_string(l.units);
    if (l.dropout > 0.0f) layer += ", dropout=" + std::to_string(l.dropout).substr(0, 4);
    if (l.recurrent_dropout > 0.0f)
      layer += ", recurrent_dropout=" + std::to_string(l.recurrent_dropout).substr(0, 4);
    layer += ")";
    s += " -> " + (l.bidirectional ? "Bidirectional(" + layer + ")" : layer);
  }
  if (m.pooling != Pooling::kLast) s += std::string(" -> ") + to_string(m.pooling) + " pooling";
  if (m.dropout > 0.0f) s += " -> Dropout(" + std::to_string(m.dropout).substr(0, 4) + ")";
  const std::string out = m.num_classes == 2
                              ? " -> Dense(1, sigmoid)"
                              : " -> Dense(" + std::to_string(m.num_classes) + ", softmax)";
  s += out;
  if (m.ngrams.enabled())
    s += "; averaged with NgramBag(order " + std::to_string(m.ngrams.order) + ", " +
         (m.ngrams.order >= 2 ? std::to_string(m.ngrams.buckets) + " buckets, " : "") + "dim " +
         std::to_string(m.ngrams.dim) + (m.ngrams.binary ? ", binary" : "") + ")" + out;
  return s;
}

struct LoadedData {
  data::EncodedImdb encoded;
  std::vector<std::string> labels;
  std::string source;
};

LoadedData load_data(const RunConfig& rc, bool allow_download) {
  const DataConfig& d = rc.data;
  data::EncodeOptions enc;
  enc.num_words = static_cast<int32_t>(rc.model.vocab_size);
  enc.maxlen = d.maxlen;
  enc.padding = pad_mode(d.padding);
  enc.truncating = pad_mode(d.truncating);
  enc.shuffle_seed = 113;
  LoadedData out;
  auto t = std::chrono::steady_clock::now();
  data::ImdbReviews reviews;
  if (d.train.empty()) {
    const fs::path path = find_imdb(d.imdb, allow_download);
    reviews = data::read_imdb(path);
    out.labels = {"negative", "positive"};
    out.source = path.string();
  } else {
    data::TextReadOptions ro = text_read_options(d.format, d.text_column, d.label_column, d.header);
    auto to_reviews = [](data::LabelledTexts&& texts, std::vector<data::Review>& into) {
      for (size_t k = 0; k < texts.texts.size(); ++k)
        into.push_back({std::move(texts.texts[k]), texts.labels[k], 0, texts.sources[k]});
    };
    data::LabelledTexts train = data::read_labelled_texts(d.train, ro);
    out.labels = train.classes;
    to_reviews(std::move(train), reviews.train);
    if (!d.test.empty()) {
      ro.classes = out.labels;
      to_reviews(data::read_labelled_texts(d.test, ro), reviews.test);
    }
    out.source = d.train + (d.test.empty() ? "" : ", " + d.test);
  }
  const double read_s = seconds_since(t);
  t = std::chrono::steady_clock::now();
  out.encoded = data::encode_imdb(reviews, enc);
  take_first(out.encoded.train, d.train_samples);
  take_first(out.encoded.test, d.test_samples);
  std::printf("Data: %s\n", out.source.c_str());
  std::printf(
      "Loaded %zu train / %zu test texts in %zu classes: read %.2fs, encode %.2fs "
      "(%zu words kept)\n",
      reviews.train.size(), reviews.test.size(), out.labels.size(), read_s, seconds_since(t),
      out.encoded.vocab.words().size());
  return out;
}

int run_train(TrainOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  RunConfig rc;
  std::optional<Checkpoint> resumed;
  fs::path out;
  if (!o.resume.empty()) {
    out = o.resume;
    resumed = load_checkpoint(out / kCheckpointName);
    run_config_from_json(nlohmann::json::parse(resumed->run_json), rc);
    for (auto& [opt, apply] : o.overrides)
      if (opt->count() > 0) {
        if (opt->get_name() != "--epochs")
          throw Error("--resume continues the run as configured; only --epochs may change, got " +
                      opt->get_name());
        apply(rc);
      }
    std::printf("Resuming %s after epoch %d\n", out.c_str(), resumed->state.epoch);
  } else {
    if (!o.config_file.empty()) load_run_config(o.config_file, rc);
    for (auto& [opt, apply] : o.overrides)
      if (opt->count() > 0) apply(rc);
  }
  validate_model_config(rc.model);
  if (o.print_config) {
    std::printf("%s\n", run_config_to_json(rc).dump(2).c_str());
    return 0;
  }
  const std::unique_ptr<ThreadPool> pool_ptr = make_pool(o.threads);
  ThreadPool& pool = *pool_ptr;
  LoadedData loaded = load_data(rc, !o.no_download);
  data::EncodedImdb& encoded = loaded.encoded;

  ModelConfig mc = rc.model;
  mc.num_classes = loaded.labels.size();
  TrainConfig tc = rc.train;
  tc.threads = pool.size();
  if (!rc.class_weight.empty()) {
    std::vector<int32_t> ids(encoded.train.n);
    for (size_t n = 0; n < ids.size(); ++n) ids[n] = static_cast<int32_t>(encoded.train.labels[n]);
    tc.class_weights = resolve_class_weights(parse_class_weights(rc.class_weight, mc.num_classes),
                                             class_counts(ids));
  }
  Model model(mc);
  Rng init_rng(tc.seed);
  model.initialize(init_rng);
  validate_train_config(tc, encoded.train.n);

  nlohmann::ordered_json config = run_config_to_json(rc);
  config["resolved"] = {
      {"data_source", loaded.source},        {"classes", loaded.labels},
      {"class_weights", tc.class_weights},   {"threads", pool.size()},
      {"train_rows", encoded.train.n},       {"test_rows", encoded.test.n},
      {"parameters", model.params().size()}, {"blas", kernels::gemm_backend_name()}};
  std::printf("Model: %s, %zu parameters\n", describe(mc).c_str(), model.params().size());
  std::printf("Training on %zu texts, validation split %.0f%% (%s), %zu threads\n", encoded.train.n,
              tc.validation_split * 100.0, to_string(tc.split_mode), pool.size());
  std::fflush(stdout);

  if (out.empty()) out = o.out.empty() ? default_out_dir() : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw Error("cannot create output directory " + out.string() + ": " + ec.message());
  write_file_atomic(out / "config.json", run_config_to_json(rc).dump(2) + "\n");

  Preprocessing pre;
  pre.maxlen = rc.data.maxlen;
  pre.padding = pad_mode(rc.data.padding);
  pre.truncating = pad_mode(rc.data.truncating);
  // Snapshot of the model with everything needed to use it on raw text.
  auto save = [&](const fs::path& path, const nlohmann::ordered_json& metrics) {
    Classifier c(model, encoded.vocab, pre, loaded.labels);
    c.training_json = config.dump();
    c.metrics_json = metrics.dump();
    save_model(path, c);
  };

  ProgressPrinter progress(stdout, ::isatty(::fileno(stdout)) != 0);
  TrainCallbacks callbacks = progress.callbacks();
  bool wrote_best = false;
  long steps_done = 0;
  auto batch_end = callbacks.batch_end;
  callbacks.batch_end = [&](size_t step, size_t steps, double loss, double accuracy) {
    if (batch_end) batch_end(step, steps, loss, accuracy);
    if (o.abort_after_steps > 0 && ++steps_done == o.abort_after_steps) {
      std::fflush(stdout);
      std::_Exit(75);  // a crash: no cleanup, nothing more written
    }
  };
  callbacks.epoch_end = [&](const EpochResult& r) {
    progress.epoch_end(r);
    // Keras ModelCheckpoint(save_best_only=True) on tc.checkpoint_monitor.
    if (r.best) {
      wrote_best = true;
      save(out / "best.model",
           {{"epoch", r.epoch}, {"val_accuracy", r.val.accuracy}, {"val_loss", r.val.loss}});
    }
  };
  const std::string run_json = run_config_to_json(rc).dump();
  callbacks.checkpoint = [&](const TrainState& state) {
    save_checkpoint(out / kCheckpointName, Checkpoint{state, run_json});
  };
  RunRecord record;
  record.config_json = config.dump();
  record.history =
      fit(model, encoded.train, tc, pool, callbacks, resumed ? &resumed->state : nullptr);

  const History& h = record.history;
  nlohmann::ordered_json final_metrics = {
      {"epoch", h.loss.size()},
      {"loss", h.loss.empty() ? 0.0 : h.loss.back()},
      {"accuracy", h.accuracy.empty() ? 0.0 : h.accuracy.back()},
      {"val_loss", h.val_loss.empty() ? 0.0 : h.val_loss.back()},
      {"val_accuracy", h.val_accuracy.empty() ? 0.0 : h.val_accuracy.back()}};
  if (encoded.test.n > 0) {
    record.test = evaluate(model, encoded.test, 0, encoded.test.n, tc.eval_batch_size, pool);
    record.has_test = true;
    std::printf("Test Loss: %.4f\n", record.test.loss);
    std::printf("Test Accuracy: %.4f\n", record.test.accuracy);
    final_metrics["test_loss"] = record.test.loss;
    final_metrics["test_accuracy"] = record.test.accuracy;
  }
  record.total_seconds = seconds_since(t_start);
  save(out / "final.model", final_metrics);
  write_history(out, record);
  if (!o.no_plot && !h.loss.empty()) plot_history(out, record.history);
  std::printf("Wrote %s/{final.model%s,%s,config.json,history.json,history.csv%s} (total %.1fs)\n",
              out.c_str(), wrote_best ? ",best.model" : "", kCheckpointName,
              o.no_plot ? "" : ",accuracy.png,accuracy.svg,loss.png,loss.svg",
              record.total_seconds);
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a recurrent text classifier (default: the IMDB LSTM recipe)");
  // The override lambdas live inside *o, so they hold a plain pointer: capturing the
  // shared_ptr would make a cycle that is never freed.
  TrainOptions* const p = o.get();
  RunConfig& f = p->flags;
  auto over = [&](CLI::Option* opt, std::function<void(RunConfig&)> apply) {
    p->overrides.emplace_back(opt, std::move(apply));
    return opt;
  };
  auto* config_opt = cmd->add_option("--config", p->config_file,
                                     "JSON run configuration (see configs/); flags override it");
  cmd->add_flag("--print-config", p->print_config,
                "Print the resolved configuration (file + flags) as JSON and exit");
  cmd->add_option("--out", p->out, "Output directory (default: runs/<timestamp>)");
  cmd->add_option("--resume", p->resume,
                  "Continue the run in this output directory from its last checkpoint")
      ->excludes(config_opt);
  cmd->add_option("--threads", p->threads, kThreadsHelp)
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_flag("--no-download", p->no_download, "Never download the dataset");
  cmd->add_flag("--no-plot", p->no_plot, "Do not draw the accuracy and loss plots");
  cmd->add_option("--abort-after-steps", p->abort_after_steps)
      ->group("");  // hidden: crash-recovery tests

  // Data.
  over(cmd->add_option("--data", f.data.imdb,
                       "aclImdb directory or .tar.gz (default: $IMDB_DATA, ./data, "
                       "../shared/data/imdb, the user cache, else download)"),
       [p](RunConfig& c) { c.data.imdb = p->flags.data.imdb; });
  over(cmd->add_option("--train", f.data.train,
                       "A labelled corpus to train on instead of IMDB: class folders, .csv, "
                       ".tsv or fastText __label__ lines"),
       [p](RunConfig& c) { c.data.train = p->flags.data.train; });
  over(cmd->add_option("--test", f.data.test, "Its test split (same format)"),
       [p](RunConfig& c) { c.data.test = p->flags.data.test; });
  over(cmd->add_option("--format", f.data.format, "Corpus format")
           ->check(CLI::IsMember({"auto", "folders", "csv", "tsv", "fasttext"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.data.format = p->flags.data.format; });
  over(cmd->add_option("--text-column", f.data.text_column, "CSV/TSV text column (name or index)")
           ->capture_default_str(),
       [p](RunConfig& c) { c.data.text_column = p->flags.data.text_column; });
  over(
      cmd->add_option("--label-column", f.data.label_column, "CSV/TSV label column (name or index)")
          ->capture_default_str(),
      [p](RunConfig& c) { c.data.label_column = p->flags.data.label_column; });
  over(cmd->add_flag("--no-header{false}", f.data.header, "CSV/TSV files have no header row"),
       [p](RunConfig& c) { c.data.header = p->flags.data.header; });
  over(cmd->add_option("--maxlen", f.data.maxlen, "Pad/truncate every text to this many tokens")
           ->check(CLI::Range(1, 100000))
           ->capture_default_str(),
       [p](RunConfig& c) { c.data.maxlen = p->flags.data.maxlen; });
  over(cmd->add_option("--padding", f.data.padding, "Where padding goes")
           ->check(CLI::IsMember({"pre", "post"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.data.padding = p->flags.data.padding; });
  over(cmd->add_option("--truncating", f.data.truncating, "Which end loses tokens")
           ->check(CLI::IsMember({"pre", "post"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.data.truncating = p->flags.data.truncating; });
  over(cmd->add_option("--train-samples", f.data.train_samples,
                       "Use only the first N shuffled training texts (0 = all)"),
       [p](RunConfig& c) { c.data.train_samples = p->flags.data.train_samples; });
  over(cmd->add_option("--test-samples", f.data.test_samples,
                       "Evaluate on the first N shuffled test texts (0 = all)"),
       [p](RunConfig& c) { c.data.test_samples = p->flags.data.test_samples; });

  // Model.
  over(cmd->add_option("--vocab-size", f.model.vocab_size,
                       "Keep word indices below this (Keras num_words)")
           ->check(CLI::Range(4, 10000000))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.vocab_size = p->flags.model.vocab_size; });
  over(cmd->add_option("--embedding-dim", f.model.embedding_dim, "Embedding size E")
           ->check(CLI::Range(1, 4096))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.embedding_dim = p->flags.model.embedding_dim; });
  over(cmd->add_flag("--mask-zero", f.model.mask_zero,
                     "Mask padding: padded steps keep the state and cost nothing"),
       [p](RunConfig& c) { c.model.mask_zero = p->flags.model.mask_zero; });
  auto each_layer = [](RunConfig& c, auto fn) {
    for (auto& l : c.model.layers) fn(l);
  };
  over(cmd->add_option("--cell", p->cell, "Recurrent cell of every layer")
           ->check(CLI::IsMember({"lstm", "gru", "simple_rnn"}))
           ->capture_default_str(),
       [p, each_layer](RunConfig& c) {
         each_layer(c, [&](RecurrentLayerConfig& l) { l.cell = parse_cell(p->cell); });
       });
  over(cmd->add_option("--units", p->units, "Units H of every recurrent layer")
           ->check(CLI::Range(1, 4096))
           ->capture_default_str(),
       [p, each_layer](RunConfig& c) {
         each_layer(c, [&](RecurrentLayerConfig& l) { l.units = p->units; });
       });
  over(cmd->add_option("--layers", p->layers,
                       "Stacked recurrent layers (copies of the first, each feeding the next "
                       "its whole output sequence)")
           ->check(CLI::Range(1, 16))
           ->capture_default_str(),
       [p](RunConfig& c) {
         c.model.layers.resize(static_cast<size_t>(p->layers), c.model.layers.front());
       });
  over(cmd->add_flag("--bidirectional", p->bidirectional,
                     "Bidirectional layers (forward and backward outputs concatenated)"),
       [p, each_layer](RunConfig& c) {
         each_layer(c, [&](RecurrentLayerConfig& l) { l.bidirectional = p->bidirectional; });
       });
  over(cmd->add_option("--dropout", p->dropout,
                       "Dropout on each recurrent layer's inputs (one mask per sequence)")
           ->check(CLI::Range(0.0, 0.99))
           ->capture_default_str(),
       [p, each_layer](RunConfig& c) {
         each_layer(c, [&](RecurrentLayerConfig& l) { l.dropout = p->dropout; });
       });
  over(cmd->add_option("--recurrent-dropout", p->recurrent_dropout,
                       "Dropout on h(t-1) into the recurrent weights (one mask per sequence)")
           ->check(CLI::Range(0.0, 0.99))
           ->capture_default_str(),
       [p, each_layer](RunConfig& c) {
         each_layer(c,
                    [&](RecurrentLayerConfig& l) { l.recurrent_dropout = p->recurrent_dropout; });
       });
  over(cmd->add_option("--pooling", p->pooling,
                       "What the output layer sees: the last state, or max/mean over time")
           ->check(CLI::IsMember({"last", "max", "mean", "max_mean"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.pooling = parse_pooling(p->pooling); });
  over(cmd->add_option("--dense-dropout", f.model.dropout,
                       "Dropout on the pooled features before the output layer")
           ->check(CLI::Range(0.0, 0.99))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.dropout = p->flags.model.dropout; });
  over(cmd->add_option("--ngrams", f.model.ngrams.order,
                       "Add an n-gram head beside the recurrent layers, averaged with them: the "
                       "mean embedding of every word and n-gram of up to this many words into its "
                       "own output layer, trained on its own loss (0 = none)")
           ->check(CLI::Range(0, 5))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.ngrams.order = p->flags.model.ngrams.order; });
  over(cmd->add_option("--ngram-buckets", f.model.ngrams.buckets,
                       "Hash buckets for n-grams of two or more words")
           ->check(CLI::Range(0, 1 << 26))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.ngrams.buckets = p->flags.model.ngrams.buckets; });
  over(cmd->add_option("--ngram-dim", f.model.ngrams.dim, "Embedding size of the n-gram bag")
           ->check(CLI::Range(0, 4096))
           ->capture_default_str(),
       [p](RunConfig& c) { c.model.ngrams.dim = p->flags.model.ngrams.dim; });
  over(cmd->add_flag("--ngram-binary", f.model.ngrams.binary,
                     "Count each distinct n-gram once per text in the n-gram head's mean"),
       [p](RunConfig& c) { c.model.ngrams.binary = p->flags.model.ngrams.binary; });

  // Training.
  TrainConfig& t = f.train;
  over(cmd->add_option("--epochs", t.epochs, "Training epochs")
           ->check(CLI::Range(1, 100000))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.epochs = p->flags.train.epochs; });
  over(cmd->add_option("--batch-size", t.batch_size, "Mini-batch size")
           ->check(CLI::Range(1, 1 << 20))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.batch_size = p->flags.train.batch_size; });
  over(cmd->add_option("--validation-split", t.validation_split,
                       "Fraction of the training rows held out, in [0, 1)")
           ->check(CLI::Range(0.0, 0.999999))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.validation_split = p->flags.train.validation_split; });
  over(cmd->add_option("--split", p->split,
                       "Which rows are held out: the last ones (Keras), a seeded shuffle, or "
                       "a stratified shuffle keeping class proportions")
           ->check(CLI::IsMember({"tail", "shuffle", "stratified"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.split_mode = parse_split_mode(p->split); });
  over(cmd->add_option("--seed", t.seed, "Random seed (initialisation, shuffling, dropout)")
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.seed = p->flags.train.seed; });
  over(cmd->add_option("--learning-rate", t.adam.learning_rate, "Adam learning rate")
           ->check(CLI::PositiveNumber)
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.adam.learning_rate = p->flags.train.adam.learning_rate; });
  over(cmd->add_option("--lr-schedule", p->lr_schedule,
                       "Learning-rate schedule: constant, step (x gamma every --lr-step "
                       "epochs), cosine (to --min-lr), plateau (x gamma after --lr-patience "
                       "epochs without val_loss improving)")
           ->check(CLI::IsMember({"constant", "step", "cosine", "plateau"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.schedule.kind = parse_lr_schedule_kind(p->lr_schedule); });
  over(cmd->add_option("--lr-step", t.schedule.step_every_epochs, "Epochs per step decay")
           ->capture_default_str(),
       [p](RunConfig& c) {
         c.train.schedule.step_every_epochs = p->flags.train.schedule.step_every_epochs;
       });
  over(cmd->add_option("--lr-gamma", t.schedule.gamma, "Decay factor (step, plateau)")
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.schedule.gamma = p->flags.train.schedule.gamma; });
  over(cmd->add_option("--min-lr", t.schedule.min_lr, "Floor of the learning rate")
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.schedule.min_lr = p->flags.train.schedule.min_lr; });
  over(cmd->add_option("--warmup-epochs", t.schedule.warmup_epochs, "Cosine: linear warm-up")
           ->capture_default_str(),
       [p](RunConfig& c) {
         c.train.schedule.warmup_epochs = p->flags.train.schedule.warmup_epochs;
       });
  over(cmd->add_option("--lr-patience", t.schedule.patience, "Plateau: epochs to wait")
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.schedule.patience = p->flags.train.schedule.patience; });
  over(cmd->add_flag("--early-stopping", p->early_stopping,
                     "Stop when --monitor has not improved for --patience epochs"),
       [p](RunConfig& c) {
         if (p->early_stopping)
           c.train.early_stopping = c.train.early_stopping.value_or(EarlyStoppingConfig{});
         else
           c.train.early_stopping.reset();
       });
  over(cmd->add_option("--monitor", p->monitor,
                       "Early stopping's quantity: val_loss, val_accuracy, loss or accuracy")
           ->check(CLI::IsMember({"val_loss", "val_accuracy", "loss", "accuracy"}))
           ->capture_default_str(),
       [p](RunConfig& c) {
         if (c.train.early_stopping) c.train.early_stopping->monitor = p->monitor;
       });
  over(cmd->add_option("--patience", p->patience, "Early stopping: epochs without improvement")
           ->check(CLI::Range(0, 100000))
           ->capture_default_str(),
       [p](RunConfig& c) {
         if (c.train.early_stopping) c.train.early_stopping->patience = p->patience;
       });
  over(cmd->add_option("--min-delta", p->min_delta, "Early stopping: smallest improvement")
           ->check(CLI::Range(0.0, 1e9))
           ->capture_default_str(),
       [p](RunConfig& c) {
         if (c.train.early_stopping) c.train.early_stopping->min_delta = p->min_delta;
       });
  over(cmd->add_flag("--restore-best", p->restore_best,
                     "Early stopping: end with the best epoch's weights"),
       [p](RunConfig& c) {
         if (c.train.early_stopping) c.train.early_stopping->restore_best_weights = p->restore_best;
       });
  over(cmd->add_option("--clip-norm", t.clip_norm,
                       "Clip each batch gradient to this global L2 norm (0 = off)")
           ->check(CLI::Range(0.0, 1e30))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.clip_norm = p->flags.train.clip_norm; });
  over(cmd->add_option("--class-weight", f.class_weight,
                       "Per-class loss weights: 'balanced' or e.g. '0:1,1:2.5'"),
       [p](RunConfig& c) { c.class_weight = p->flags.class_weight; });
  over(cmd->add_flag("--bucket", t.bucket_by_length,
                     "Batch texts of similar length together (with --mask-zero: less work)"),
       [p](RunConfig& c) { c.train.bucket_by_length = p->flags.train.bucket_by_length; });
  over(cmd->add_option("--checkpoint-monitor", t.checkpoint_monitor,
                       "What makes an epoch the best for best.model")
           ->check(CLI::IsMember({"val_loss", "val_accuracy", "loss", "accuracy"}))
           ->capture_default_str(),
       [p](RunConfig& c) { c.train.checkpoint_monitor = p->flags.train.checkpoint_monitor; });
  return [o] { return run_train(*o); };
}

}  // namespace sentiment::cli
