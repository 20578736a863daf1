// A training run: data, model, fit, evaluation and the run folder's files.
#include "run/training_run.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file_util.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "data/labelled_text.h"
#include "io/model_file.h"
#include "kernels/cpu/gemm.h"
#include "model/model.h"
#include "run/run_config.h"
#include "train/plot.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

// The files a run leaves in its folder.
constexpr const char* kRunFiles[] = {"final.model", "best.model",   kCheckpointName,
                                     "config.json", "history.json", "history.csv"};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string format(const char* fmt, auto... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  std::string s(static_cast<size_t>(n < 0 ? 0 : n), '\0');
  std::snprintf(s.data(), s.size() + 1, fmt, args...);
  return s;
}

// A new run's folder: refuses a file, and one that holds a run unless overwrite.
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

// Overwrite: the old run's files go once the new run's data has loaded, so a new run that
// cannot start leaves the old one whole, and one that starts never mixes with it.
void remove_run_files(const fs::path& out) {
  std::error_code ec;
  for (const char* name : kRunFiles)
    if (fs::remove(out / name, ec); ec)
      throw Error("cannot remove " + (out / name).string() + ": " + ec.message());
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

struct LoadedData {
  data::EncodedImdb encoded;
  std::vector<std::string> labels;
  std::string source;
};

LoadedData load_data(const TrainingRun& run) {
  const RunConfig& rc = run.config;
  const DataConfig& d = rc.data;
  const auto notice = [&](const std::string& m) {
    if (run.notice) run.notice(m);
  };
  const auto report_skipped = [&](size_t skipped, const std::string& where,
                                  const std::string& first) {
    if (skipped == 0) return;
    notice("skipped " + std::to_string(skipped) + (skipped == 1 ? " row" : " rows") + " of " +
           where + " (--on-error skip; the first: " + first + ")");
  };
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
    data::LocateOptions where;
    if (!d.imdb.empty()) where.explicit_path = fs::path(d.imdb);
    where.project_root = run.project_root;
    where.allow_download = run.allow_download;
    where.log = notice;
    const fs::path path = data::locate_imdb(where);
    reviews = data::read_imdb(path, d.policy);
    report_skipped(reviews.skipped, path.string(), reviews.first_skipped);
    out.labels = {"negative", "positive"};
    out.source = path.string();
  } else {
    data::TextReadOptions ro =
        data::text_read_options(d.format, d.text_column, d.label_column, d.header);
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
  if (run.log) {
    run.log("Data: " + out.source);
    run.log(format(
        "Loaded %zu train / %zu test texts in %zu classes: read %.2fs, encode %.2fs (%zu words "
        "kept)",
        reviews.train.size(), reviews.test.size(), out.labels.size(), read_s, seconds_since(t),
        out.encoded.vocab.words().size()));
  }
  return out;
}

}  // namespace

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

TrainingResult run_training(const TrainingRun& run) {
  const auto t_start = std::chrono::steady_clock::now();
  const auto log = [&](const std::string& line) {
    if (run.log) run.log(line);
  };
  const RunConfig& rc = run.config;
  validate_model_config(rc.model);
  const fs::path& out = run.out;
  const bool writes = !out.empty();
  if (writes && !run.resume) claim_out_dir(out, run.overwrite);
  kernels::gemm_use_single_thread();
  ThreadPool pool(run.threads);
  LoadedData loaded = load_data(run);
  data::EncodedImdb& encoded = loaded.encoded;
  if (writes && !run.resume && run.overwrite) remove_run_files(out);

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
  log(format("Model: %s, %zu parameters", describe(mc).c_str(), model.params().size()));
  log(format("Training on %zu texts, validation split %.0f%% (%s), %zu threads", encoded.train.n,
             tc.validation_split * 100.0, to_string(tc.split_mode), pool.size()));

  if (writes) {
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out))
      throw Error("cannot create output directory " + out.string() + ": " + ec.message());
    write_file_atomic(out / "config.json", run_config_to_json(rc).dump(2) + "\n");
  }

  Preprocessing pre;
  pre.maxlen = rc.data.maxlen;
  pre.padding = pad_mode(rc.data.padding);
  pre.truncating = pad_mode(rc.data.truncating);
  // The model with everything needed to use it on raw text.
  const auto classifier = [&](const nlohmann::ordered_json& metrics) {
    Classifier c(model, encoded.vocab, pre, loaded.labels);
    c.training_json = config.dump();
    c.metrics_json = metrics.dump();
    return c;
  };

  bool wrote_best = false;
  TrainCallbacks callbacks = run.callbacks;
  callbacks.epoch_end = [&](const EpochResult& r) {
    if (run.callbacks.epoch_end) run.callbacks.epoch_end(r);
    // Keras ModelCheckpoint(save_best_only=True) on tc.checkpoint_monitor.
    if (writes && r.best) {
      wrote_best = true;
      save_model(out / "best.model", classifier({{"epoch", r.epoch},
                                                 {"val_accuracy", r.val.accuracy},
                                                 {"val_loss", r.val.loss}}));
    }
  };
  const std::string run_json = run_config_to_json(rc).dump();
  callbacks.checkpoint = [&](const TrainStateView& state) {
    if (writes) save_checkpoint(out / kCheckpointName, state, run_json);
    if (run.callbacks.checkpoint) run.callbacks.checkpoint(state);
  };
  RunRecord record;
  record.config_json = config.dump();
  record.history =
      fit(model, encoded.train, tc, pool, callbacks, run.resume ? &run.resume->state : nullptr);

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
    log(format("Test Loss: %.4f", record.test.loss));
    log(format("Test Accuracy: %.4f", record.test.accuracy));
    final_metrics["test_loss"] = record.test.loss;
    final_metrics["test_accuracy"] = record.test.accuracy;
  }
  record.total_seconds = seconds_since(t_start);
  TrainingResult result{classifier(final_metrics), std::move(record), wrote_best};
  if (writes) {
    save_model(out / "final.model", result.classifier);
    write_history(out, result.record);
    if (run.plot && !result.record.history.loss.empty()) plot_history(out, result.record.history);
  }
  return result;
}

}  // namespace sentiment
