// The public train(): a training run (run/training_run.h) from a configuration given as JSON
// text or a file, with progress reported through the public callback.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>

#include "api/model_impl.h"

namespace sentiment {
inline namespace abi0 {
namespace {

RunConfig run_config(const TrainOptions& options) {
  RunConfig rc;
  if (!options.config_file.empty()) {
    if (options.config != "{}" && !options.config.empty())
      throw Error("train: give the configuration as config or as config_file, not both");
    load_run_config(options.config_file, rc);
  } else {
    const nlohmann::json j = nlohmann::json::parse(options.config, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error("train: config is not a JSON object: " + options.config.substr(0, 80));
    run_config_from_json(j, rc);
  }
  if (!options.imdb.empty()) rc.data.imdb = options.imdb;
  if (!options.train_data.empty()) rc.data.train = options.train_data;
  if (!options.test_data.empty()) rc.data.test = options.test_data;
  return rc;
}

}  // namespace

TrainResult train(const TrainOptions& options) {
  TrainingRun run;
  run.config = run_config(options);
  run.out = options.out;
  run.overwrite = options.overwrite;
  run.plot = options.plot;
  run.allow_download = options.download;
  run.threads = options.threads;
  run.log = options.log;
  run.notice = options.log;
  if (options.progress) {
    // The epoch being trained and its count, for the batch reports.
    auto epoch = std::make_shared<std::pair<size_t, size_t>>(0, 0);
    run.callbacks.epoch_begin = [epoch](int e, int epochs, size_t) {
      *epoch = {static_cast<size_t>(e), static_cast<size_t>(epochs)};
    };
    run.callbacks.batch_end = [epoch, &options](size_t step, size_t steps, double loss,
                                                double accuracy) {
      TrainProgress p;
      p.epoch = epoch->first;
      p.epochs = epoch->second;
      p.step = step;
      p.steps = steps;
      p.loss = loss;
      p.accuracy = accuracy;
      options.progress(p);
    };
    run.callbacks.epoch_end = [epoch, &options](const EpochResult& r) {
      TrainProgress p;
      p.epoch_end = true;
      p.epoch = static_cast<size_t>(r.epoch);
      p.epochs = epoch->second;
      p.loss = r.train.loss;
      p.accuracy = r.train.accuracy;
      p.has_validation = r.val.n > 0;
      p.val_loss = r.val.loss;
      p.val_accuracy = r.val.accuracy;
      p.seconds = r.seconds;
      options.progress(p);
    };
  }
  TrainingResult trained = run_training(run);
  const History& h = trained.record.history;
  return TrainResult{ModelAccess::make(std::make_unique<Model::Impl>(std::move(trained.classifier),
                                                                     options.threads)),
                     h.loss,
                     h.accuracy,
                     h.val_loss,
                     h.val_accuracy,
                     trained.record.has_test,
                     trained.record.test.loss,
                     trained.record.test.accuracy,
                     options.out};
}

}  // namespace abi0
}  // namespace sentiment
