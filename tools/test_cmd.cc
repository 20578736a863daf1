// `sentiment test MODEL`: the test split through the model's own preprocessing, reported as
// N, accuracy, precision, recall, F1, ROC AUC, log loss and the confusion matrix, plus the
// ROC curve as PNG and SVG.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "io/model_file.h"
#include "train/plot.h"
#include "train/report.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

struct TestOptions {
  std::string model;
  std::string data;
  std::string plot_dir;
  bool json = false;
  bool no_plot = false;
  bool no_download = false;
  int threads = 0;
};

int run_test(const TestOptions& o) {
  const Classifier c = load_model(o.model);
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  const fs::path data_path = find_imdb(o.data, !o.no_download);
  const data::ImdbReviews reviews = data::read_imdb(data_path);
  std::vector<std::string_view> texts;
  std::vector<float> labels;
  for (const auto& r : reviews.test) {
    texts.push_back(r.text);
    labels.push_back(static_cast<float>(r.label));
  }
  const auto t = std::chrono::steady_clock::now();
  const std::vector<float> probs = c.predict(texts, *pool);
  const double seconds = seconds_since(t);
  const BinaryReport report = binary_report(probs, labels);
  if (o.json) {
    std::printf("%s\n", report_to_json(report, c.labels()).c_str());
  } else {
    std::printf("Model\t%s\nData\t%s (test split)\n%s", o.model.c_str(), data_path.c_str(),
                report_to_text(report, c.labels()).c_str());
    std::printf("\nPredicted %zu reviews from raw text in %.2fs (%.0f reviews/s)\n", report.n,
                seconds, static_cast<double>(report.n) / seconds);
  }
  if (!o.no_plot) {
    const fs::path dir =
        o.plot_dir.empty() ? fs::absolute(o.model).parent_path() : fs::path(o.plot_dir);
    fs::create_directories(dir);
    plot_roc(dir, "roc", report, "ROC on the IMDB test set");
    if (!o.json) std::printf("Wrote %s/roc.png and roc.svg\n", dir.c_str());
  }
  return 0;
}

}  // namespace

Command add_test_command(CLI::App& app) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "Evaluate a model on the IMDB test split");
  cmd->add_option("model", o->model, "Model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "aclImdb directory or archive (as for train)");
  cmd->add_flag("--json", o->json, "Print the report as one JSON object");
  cmd->add_option("--plot-dir", o->plot_dir, "Where to write roc.png/svg (default: beside MODEL)");
  cmd->add_flag("--no-plot", o->no_plot, "Do not draw the ROC curve");
  cmd->add_flag("--no-download", o->no_download, "Never download the dataset");
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  return [o] { return run_test(*o); };
}

}  // namespace sentiment::cli
