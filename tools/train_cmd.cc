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
#include "model/config.h"
#include "run/run_config.h"
#include "run/train_options.h"
#include "run/training_run.h"
#include "train/checkpoint.h"
#include "train/progress.h"
#include "train_option_flags.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

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

int run_train(TrainOptions& o) {
  TrainingRun run;
  RunConfig& rc = run.config;
  if (!o.resume.empty()) {
    run.out = o.resume;
    run.resume = load_checkpoint(checkpoint_to_resume(run.out));
    run_config_from_json(nlohmann::json::parse(run.resume->run_json), rc);
    for (const std::string& flag : o.flags.given_flags())
      if (flag != "--epochs")
        throw Error("--resume continues the run as configured; only --epochs may change, got " +
                    flag);
    o.flags.apply(rc);
    const int done = run.resume->state.epoch;
    if (rc.train.epochs < done || (rc.train.epochs == done && fs::exists(run.out / "final.model")))
      throw Error(run.out.string() + " has already finished epoch " + std::to_string(done) +
                  "; to continue it, --epochs must be more than " + std::to_string(done) +
                  ", got " + std::to_string(rc.train.epochs));
    print_stdout("Resuming %s after epoch %d\n", run.out.c_str(), done);
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
  if (run.out.empty()) run.out = o.out.empty() ? default_out_dir() : fs::path(o.out);
  run.overwrite = o.overwrite;
  run.plot = !o.no_plot;
  run.allow_download = !o.no_download;
  run.project_root = SENTIMENT_SOURCE_DIR;
  run.threads = static_cast<size_t>(o.threads < 0 ? 0 : o.threads);
  run.log = [](const std::string& line) {
    print_stdout("%s\n", line.c_str());
    flush_stdout();
  };
  run.notice = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };

  ProgressPrinter progress(stdout, ::isatty(::fileno(stdout)) != 0);
  run.callbacks = progress.callbacks();
  long steps_done = 0;
  const auto batch_end = run.callbacks.batch_end;
  run.callbacks.batch_end = [&](size_t step, size_t steps, double loss, double accuracy) {
    if (batch_end) batch_end(step, steps, loss, accuracy);
    if (o.abort_after_steps > 0 && ++steps_done == o.abort_after_steps) {
      std::fflush(stdout);
      std::_Exit(75);  // a crash: no cleanup, nothing more written
    }
  };
  run.callbacks.epoch_end = [&](const EpochResult& r) { progress.epoch_end(r); };

  const TrainingResult result = run_training(run);
  print_stdout("Wrote %s/{final.model%s,%s,config.json,history.json,history.csv%s} (total %.1fs)\n",
               run.out.c_str(), result.wrote_best ? ",best.model" : "", kCheckpointName,
               o.no_plot ? "" : ",accuracy.png,accuracy.svg,loss.png,loss.svg",
               result.record.total_seconds);
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
