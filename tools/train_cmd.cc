// `sentiment train`: the IMDB recipe end to end. Loads and encodes the data, trains with
// Keras fit semantics, evaluates on the test split and writes history and plots to --out.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "io/classifier.h"
#include "io/model_file.h"
#include "kernels/cpu/gemm.h"
#include "model/model.h"
#include "train/history.h"
#include "train/plot.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

struct TrainOptions {
  std::string data;
  std::string out;
  int epochs = 5;
  int batch_size = 64;
  double validation_split = 0.2;
  uint64_t seed = 1;
  int threads = 0;
  int vocab_size = 10000;
  int maxlen = 200;
  std::string padding = "pre";
  std::string truncating = "pre";
  int embedding_dim = 64;
  int units = 64;
  double learning_rate = 1e-3;
  int train_samples = 0;  // 0 = all
  int test_samples = 0;
  bool no_download = false;
  bool no_plot = false;
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

int run_train(const TrainOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  const std::unique_ptr<ThreadPool> pool_ptr = make_pool(o.threads);
  ThreadPool& pool = *pool_ptr;

  TrainConfig tc;
  tc.epochs = o.epochs;
  tc.batch_size = static_cast<size_t>(o.batch_size);
  tc.validation_split = o.validation_split;
  tc.seed = o.seed;
  tc.threads = pool.size();
  tc.adam.learning_rate = o.learning_rate;

  const fs::path data_path = find_imdb(o.data, !o.no_download);

  auto t = std::chrono::steady_clock::now();
  const data::ImdbReviews reviews = data::read_imdb(data_path);
  const double read_s = seconds_since(t);
  t = std::chrono::steady_clock::now();
  data::EncodeOptions enc;
  enc.num_words = o.vocab_size;
  enc.maxlen = static_cast<size_t>(o.maxlen);
  enc.padding = pad_mode(o.padding);
  enc.truncating = pad_mode(o.truncating);
  data::EncodedImdb encoded = data::encode_imdb(reviews, enc);
  const double encode_s = seconds_since(t);
  take_first(encoded.train, static_cast<size_t>(o.train_samples));
  take_first(encoded.test, static_cast<size_t>(o.test_samples));
  std::printf("Data: %s\n", data_path.c_str());
  std::printf("Loaded %zu train / %zu test reviews: read %.2fs, encode %.2fs (%zu words kept)\n",
              reviews.train.size(), reviews.test.size(), read_s, encode_s,
              encoded.vocab.words().size());

  ModelConfig mc;
  mc.vocab_size = static_cast<size_t>(o.vocab_size);
  mc.embedding_dim = static_cast<size_t>(o.embedding_dim);
  mc.units = static_cast<size_t>(o.units);
  Model model(mc);
  Rng init_rng(o.seed);
  model.initialize(init_rng);
  validate_train_config(tc, encoded.train.n);

  nlohmann::ordered_json config = {
      {"data", data_path.string()},
      {"vocab_size", o.vocab_size},
      {"maxlen", o.maxlen},
      {"padding", o.padding},
      {"truncating", o.truncating},
      {"embedding_dim", o.embedding_dim},
      {"units", o.units},
      {"epochs", o.epochs},
      {"batch_size", o.batch_size},
      {"validation_split", o.validation_split},
      {"learning_rate", o.learning_rate},
      {"seed", o.seed},
      {"threads", pool.size()},
      {"train_samples", encoded.train.n},
      {"test_samples", encoded.test.n},
      {"parameters", model.params().size()},
      {"blas", kernels::gemm_backend_name()},
  };
  std::printf("Model: Embedding(%d, %d) -> LSTM(%d) -> Dense(1, sigmoid), %zu parameters\n",
              o.vocab_size, o.embedding_dim, o.units, model.params().size());
  std::printf("Training on %zu reviews, validating on the last %.0f%%, %zu threads\n",
              encoded.train.n, o.validation_split * 100.0, pool.size());
  std::fflush(stdout);

  const fs::path out = o.out.empty() ? default_out_dir() : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw Error("cannot create output directory " + out.string() + ": " + ec.message());

  Preprocessing pre;
  pre.maxlen = enc.maxlen;
  pre.padding = enc.padding;
  pre.truncating = enc.truncating;
  // Snapshot of the model with everything needed to use it on raw text.
  auto save = [&](const fs::path& path, const nlohmann::ordered_json& metrics) {
    Classifier c(model, encoded.vocab, pre);
    c.training_json = config.dump();
    c.metrics_json = metrics.dump();
    save_model(path, c);
  };

  ProgressPrinter progress(stdout, ::isatty(::fileno(stdout)) != 0);
  TrainCallbacks callbacks = progress.callbacks();
  double best_val = -1.0;
  callbacks.epoch_end = [&](const EpochResult& r) {
    progress.epoch_end(r);
    // Keras ModelCheckpoint(save_best_only=True, monitor="val_accuracy").
    if (r.val.n > 0 && r.val.accuracy > best_val) {
      best_val = r.val.accuracy;
      save(out / "best.model",
           {{"epoch", r.epoch}, {"val_accuracy", r.val.accuracy}, {"val_loss", r.val.loss}});
    }
  };
  RunRecord record;
  record.config_json = config.dump();
  record.history = fit(model, encoded.train, tc, pool, callbacks);

  record.test = evaluate(model, encoded.test, 0, encoded.test.n, tc.eval_batch_size, pool);
  record.has_test = true;
  record.total_seconds = seconds_since(t_start);
  std::printf("Test Loss: %.4f\n", record.test.loss);
  std::printf("Test Accuracy: %.4f\n", record.test.accuracy);

  const History& h = record.history;
  save(out / "final.model", {{"epoch", o.epochs},
                             {"loss", h.loss.back()},
                             {"accuracy", h.accuracy.back()},
                             {"val_loss", h.val_loss.back()},
                             {"val_accuracy", h.val_accuracy.back()},
                             {"test_loss", record.test.loss},
                             {"test_accuracy", record.test.accuracy}});
  write_history(out, record);
  if (!o.no_plot) plot_history(out, record.history);
  std::printf("Wrote %s/{final.model%s,history.json,history.csv%s} (total %.1fs)\n", out.c_str(),
              best_val >= 0.0 ? ",best.model" : "",
              o.no_plot ? "" : ",accuracy.png,accuracy.svg,loss.png,loss.svg",
              record.total_seconds);
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd =
      app.add_subcommand("train", "Train the IMDB LSTM recipe and report test accuracy");
  cmd->add_option("--data", o->data,
                  "aclImdb directory or .tar.gz (default: $IMDB_DATA, ./data, "
                  "../shared/data/imdb, the user cache, else download)");
  cmd->add_option("--out", o->out, "Output directory (default: runs/<timestamp>)");
  cmd->add_option("--epochs", o->epochs, "Training epochs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--validation-split", o->validation_split,
                  "Fraction of the training rows held out (the last ones), in [0, 1)")
      ->check(CLI::Range(0.0, 0.999999))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (initialisation and shuffling)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, kThreadsHelp)
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_option("--vocab-size", o->vocab_size, "Keep word indices below this (Keras num_words)")
      ->check(CLI::Range(4, 10000000))
      ->capture_default_str();
  cmd->add_option("--maxlen", o->maxlen, "Pad/truncate every review to this many tokens")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--padding", o->padding, "Where padding goes")
      ->check(CLI::IsMember({"pre", "post"}))
      ->capture_default_str();
  cmd->add_option("--truncating", o->truncating, "Which end loses tokens")
      ->check(CLI::IsMember({"pre", "post"}))
      ->capture_default_str();
  cmd->add_option("--embedding-dim", o->embedding_dim, "Embedding size E")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--units", o->units, "LSTM units H")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--learning-rate", o->learning_rate, "Adam learning rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--train-samples", o->train_samples,
                  "Use only the first N shuffled training reviews (0 = all)")
      ->check(CLI::Range(0, 100000000));
  cmd->add_option("--test-samples", o->test_samples,
                  "Evaluate on the first N shuffled test reviews (0 = all)")
      ->check(CLI::Range(0, 100000000));
  cmd->add_flag("--no-download", o->no_download, "Never download the dataset");
  cmd->add_flag("--no-plot", o->no_plot, "Do not draw the accuracy and loss plots");
  return [o] { return run_train(*o); };
}

}  // namespace sentiment::cli
