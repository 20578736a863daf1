// `sentiment test MODEL`: a test split (IMDB's, or any labelled corpus) through the model's
// own preprocessing. Binary models report N, accuracy, precision, recall, F1, ROC AUC, log
// loss and the confusion matrix, plus the ROC curve as PNG and SVG; models with more classes
// report per-class precision, recall and F1 with macro and weighted averages.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "data/labelled_text.h"
#include "input_policy_flags.h"
#include "io/model_file.h"
#include "train/plot.h"
#include "train/report.h"

namespace sentiment::cli {
namespace {

namespace fs = std::filesystem;

struct TestOptions {
  std::string model;
  std::string data;
  std::string corpus;
  std::string format = "auto";
  std::string text_column = "text";
  std::string label_column = "label";
  bool header = true;
  std::string plot_dir;
  bool json = false;
  bool no_plot = false;
  bool no_download = false;
  int threads = 0;
  data::InputPolicy policy;
};

int run_test(const TestOptions& o) {
  const Classifier c = load_model(o.model);
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  std::vector<std::string> owned;
  std::vector<int32_t> ids;
  std::string source;
  if (o.corpus.empty()) {
    const fs::path data_path = find_imdb(o.data, !o.no_download);
    data::ImdbReviews reviews = data::read_imdb(data_path, o.policy);
    if (c.labels() != std::vector<std::string>{"negative", "positive"})
      throw Error("model " + o.model + " was not trained on IMDB's labels; pass --test");
    for (auto& r : reviews.test) {
      owned.push_back(std::move(r.text));
      ids.push_back(r.label);
    }
    source = data_path.string() + " (test split)";
    report_skipped(reviews.skipped, data_path.string(), reviews.first_skipped);
  } else {
    data::TextReadOptions ro = data::text_read_options(o.format, o.text_column, o.label_column, o.header);
    ro.classes = c.labels();
    ro.policy = o.policy;
    data::LabelledTexts t = data::read_labelled_texts(o.corpus, ro);
    report_skipped(t.skipped, o.corpus, t.first_skipped);
    owned = std::move(t.texts);
    ids = std::move(t.labels);
    source = o.corpus;
  }
  const std::vector<std::string_view> texts(owned.begin(), owned.end());
  const auto t = std::chrono::steady_clock::now();
  const std::vector<float> probs = c.predict_proba(texts, *pool);
  const double seconds = seconds_since(t);
  if (!c.binary()) {
    const MulticlassReport report = multiclass_report(probs, ids, c.num_classes());
    if (o.json) {
      print_stdout("%s\n", report_to_json(report, c.labels()).c_str());
    } else {
      print_stdout("Model\t%s\nData\t%s\n%s", o.model.c_str(), source.c_str(),
                   report_to_text(report, c.labels()).c_str());
      print_stdout("\nPredicted %zu texts from raw text in %.2fs (%.0f texts/s)\n", report.n,
                   seconds, static_cast<double>(report.n) / seconds);
    }
    return 0;
  }
  std::vector<float> positive(ids.size()), labels(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    positive[k] = probs[2 * k + 1];
    labels[k] = static_cast<float>(ids[k]);
  }
  const BinaryReport report = binary_report(positive, labels);
  if (o.json) {
    print_stdout("%s\n", report_to_json(report, c.labels()).c_str());
  } else {
    print_stdout("Model\t%s\nData\t%s\n%s", o.model.c_str(), source.c_str(),
                 report_to_text(report, c.labels()).c_str());
    print_stdout("\nPredicted %zu texts from raw text in %.2fs (%.0f texts/s)\n", report.n, seconds,
                 static_cast<double>(report.n) / seconds);
  }
  if (!o.no_plot) {
    const fs::path dir =
        o.plot_dir.empty() ? fs::absolute(o.model).parent_path() : fs::path(o.plot_dir);
    fs::create_directories(dir);
    plot_roc(dir, "roc", report, o.corpus.empty() ? "ROC on the IMDB test set" : "ROC");
    if (!o.json) print_stdout("Wrote %s/roc.png and roc.svg\n", dir.c_str());
  }
  return 0;
}

}  // namespace

Command add_test_command(CLI::App& app) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* cmd =
      app.add_subcommand("test", "Evaluate a model on the IMDB test split or a labelled corpus");
  cmd->add_option("model", o->model, "Model file")->required()->check(CLI::ExistingFile);
  auto* data = cmd->add_option("--data", o->data, "aclImdb directory or archive (as for train)");
  cmd->add_option("--test", o->corpus,
                  "A labelled corpus instead of IMDB: class folders, .csv, .tsv or fastText")
      ->excludes(data);
  cmd->add_option("--format", o->format, "Corpus format")
      ->check(CLI::IsMember({"auto", "folders", "csv", "tsv", "fasttext"}));
  cmd->add_option("--text-column", o->text_column, "CSV/TSV text column (name or index)");
  cmd->add_option("--label-column", o->label_column, "CSV/TSV label column (name or index)");
  cmd->add_flag("--no-header{false}", o->header, "CSV/TSV files have no header row");
  cmd->add_flag("--json", o->json, "Print the report as one JSON object");
  cmd->add_option("--plot-dir", o->plot_dir, "Where to write roc.png/svg (default: beside MODEL)");
  cmd->add_flag("--no-plot", o->no_plot, "Do not draw the ROC curve");
  cmd->add_flag("--no-download", o->no_download, "Never download the dataset");
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  add_input_policy_flags(*cmd, o->policy);
  return [o] { return run_test(*o); };
}

}  // namespace sentiment::cli
