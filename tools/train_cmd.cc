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
#include <memory>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/file_util.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "data/labelled_text.h"
#include "input_policy_flags.h"
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
#include "train_options.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpointName = "checkpoint.state";

struct TrainOptions {
  std::string config_file;
  std::string out;
  std::string resume;
  bool print_config = false;
  bool overwrite = false;
  int threads = 0;
  bool no_download = false;
  bool no_plot = false;
  long abort_after_steps = 0;  // testing: simulate a crash after this many steps
  TrainOptionFlags flags;      // the options' flags; given ones override the config file
};

// The files a run leaves in its output directory.
constexpr const char* kRunFiles[] = {"final.model", "best.model",   kCheckpointName,
                                     "config.json", "history.json", "history.csv"};

// A new run's output directory: refuses a file, and one that holds a run unless overwrite.
void claim_out_dir(const fs::path& out, bool overwrite) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw Error("--out " + out.string() + " is a file, expected a directory for the run");
  std::string found;
  for (const char* name : kRunFiles)
    if (fs::exists(out / name, ec)) found += (found.empty() ? "" : ", ") + std::string(name);
  if (!found.empty() && !overwrite)
    throw Error(out.string() + " already holds a run (" + found + "): --resume " + out.string() +
                " continues it, --overwrite replaces it, or choose another --out");
}

// --overwrite: the old run's files go once the new run's data has loaded, so a new run that
// cannot start leaves the old one whole, and one that starts never mixes with it.
void remove_run_files(const fs::path& out) {
  std::error_code ec;
  for (const char* name : kRunFiles)
    if (fs::remove(out / name, ec); ec)
      throw Error("cannot remove " + (out / name).string() + ": " + ec.message());
}

// The checkpoint --resume reads, with a message that says why when there is none.
fs::path checkpoint_to_resume(const fs::path& out) {
  std::error_code ec;
  if (!fs::is_directory(out, ec))
    throw Error("cannot resume " + out.string() + ": no such run directory");
  const fs::path path = out / kCheckpointName;
  if (!fs::exists(path, ec))
    throw Error("cannot resume " + out.string() + ": it has no " + kCheckpointName +
                ", so no epoch of that run finished; start it again with --out " + out.string() +
                " --overwrite");
  return path;
}

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
    reviews = data::read_imdb(path, d.policy);
    report_skipped(reviews.skipped, path.string(), reviews.first_skipped);
    out.labels = {"negative", "positive"};
    out.source = path.string();
  } else {
    data::TextReadOptions ro = text_read_options(d.format, d.text_column, d.label_column, d.header);
    ro.policy = d.policy;
    auto to_reviews = [](data::LabelledTexts&& texts, std::vector<data::Review>& into) {
      for (size_t k = 0; k < texts.texts.size(); ++k)
        into.push_back({std::move(texts.texts[k]), texts.labels[k], 0, texts.sources[k]});
    };
    data::LabelledTexts train = data::read_labelled_texts(d.train, ro);
    report_skipped(train.skipped, d.train, train.first_skipped);
    out.labels = train.classes;
    to_reviews(std::move(train), reviews.train);
    if (!d.test.empty()) {
      ro.classes = out.labels;
      data::LabelledTexts test = data::read_labelled_texts(d.test, ro);
      report_skipped(test.skipped, d.test, test.first_skipped);
      to_reviews(std::move(test), reviews.test);
    }
    out.source = d.train + (d.test.empty() ? "" : ", " + d.test);
  }
  const double read_s = seconds_since(t);
  t = std::chrono::steady_clock::now();
  out.encoded = data::encode_imdb(reviews, enc);
  take_first(out.encoded.train, d.train_samples);
  take_first(out.encoded.test, d.test_samples);
  print_stdout("Data: %s\n", out.source.c_str());
  print_stdout(
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
    resumed = load_checkpoint(checkpoint_to_resume(out));
    run_config_from_json(nlohmann::json::parse(resumed->run_json), rc);
    for (const std::string& flag : o.flags.given_flags())
      if (flag != "--epochs")
        throw Error("--resume continues the run as configured; only --epochs may change, got " +
                    flag);
    o.flags.apply(rc);
    const int done = resumed->state.epoch;
    if (rc.train.epochs < done || (rc.train.epochs == done && fs::exists(out / "final.model")))
      throw Error(out.string() + " has already finished epoch " + std::to_string(done) +
                  "; to continue it, --epochs must be more than " + std::to_string(done) +
                  ", got " + std::to_string(rc.train.epochs));
    print_stdout("Resuming %s after epoch %d\n", out.c_str(), resumed->state.epoch);
  } else {
    if (!o.config_file.empty()) load_run_config(o.config_file, rc);
    o.flags.apply(rc);
    check_options_take_effect(rc, [&](const TrainOption& opt) { return o.flags.given(opt); });
  }
  validate_model_config(rc.model);
  if (o.print_config) {
    print_stdout("%s\n", run_config_to_json(rc).dump(2).c_str());
    return 0;
  }
  if (out.empty()) out = o.out.empty() ? default_out_dir() : fs::path(o.out);
  if (!resumed) claim_out_dir(out, o.overwrite);
  const std::unique_ptr<ThreadPool> pool_ptr = make_pool(o.threads);
  ThreadPool& pool = *pool_ptr;
  LoadedData loaded = load_data(rc, !o.no_download);
  data::EncodedImdb& encoded = loaded.encoded;
  if (!resumed && o.overwrite) remove_run_files(out);

  ModelConfig mc = rc.model;
  mc.num_classes = loaded.labels.size();
  TrainConfig tc = rc.train;
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
  print_stdout("Model: %s, %zu parameters\n", describe(mc).c_str(), model.params().size());
  print_stdout("Training on %zu texts, validation split %.0f%% (%s), %zu threads\n",
               encoded.train.n, tc.validation_split * 100.0, to_string(tc.split_mode), pool.size());
  std::fflush(stdout);

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
    print_stdout("Test Loss: %.4f\n", record.test.loss);
    print_stdout("Test Accuracy: %.4f\n", record.test.accuracy);
    final_metrics["test_loss"] = record.test.loss;
    final_metrics["test_accuracy"] = record.test.accuracy;
  }
  record.total_seconds = seconds_since(t_start);
  save(out / "final.model", final_metrics);
  write_history(out, record);
  if (!o.no_plot && !h.loss.empty()) plot_history(out, record.history);
  print_stdout("Wrote %s/{final.model%s,%s,config.json,history.json,history.csv%s} (total %.1fs)\n",
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
  auto* config_opt = cmd->add_option("--config", o->config_file,
                                     "JSON run configuration (see configs/); flags override it");
  cmd->add_flag("--print-config", o->print_config,
                "Print the resolved configuration (file + flags) as JSON and exit");
  cmd->add_option("--out", o->out, "Output directory (default: runs/<timestamp>)");
  auto* resume_opt =
      cmd->add_option("--resume", o->resume,
                      "Continue the run in this output directory from its last checkpoint")
          ->excludes(config_opt);
  cmd->add_flag("--overwrite", o->overwrite,
                "Replace the run already in --out (its models, checkpoint and history); "
                "without it, an --out holding a run is an error")
      ->excludes(resume_opt);
  cmd->add_option("--threads", o->threads, kThreadsHelp)
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_flag("--no-download", o->no_download, "Never download the dataset");
  cmd->add_flag("--no-plot", o->no_plot, "Do not draw the accuracy and loss plots");
  cmd->add_option("--abort-after-steps", o->abort_after_steps)
      ->group("");        // hidden: crash-recovery tests
  o->flags.add_to(*cmd);  // every option of the run configuration (train_options.cc)
  return [o] { return run_train(*o); };
}

}  // namespace sentiment::cli
