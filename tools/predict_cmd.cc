// `sentiment predict MODEL [TEXT...]`: label and probability for each text given as an
// argument, or for each line of stdin when no text (or "-" alone) is given. Every line goes
// through the input policy (--input-encoding, --on-error) and the model's text checks one by
// one before it is batched, so what is printed never depends on --batch-size; batches let
// large inputs stream through at the speed of the kernels.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "data/input_policy.h"
#include "input_policy_flags.h"
#include "io/model_file.h"

namespace sentiment::cli {
namespace {

struct PredictOptions {
  std::string model;
  std::vector<std::string> texts;
  bool json = false;
  int threads = 0;
  int batch_size = 1024;
  data::InputPolicy policy;
};

// One input line: its text for the model, or (under --on-error skip) why it has none.
struct Line {
  std::string text;
  std::string error;  // "line 501 is not valid UTF-8 (...)"; empty: text is predicted
};

// The record printed for a skipped line, in the format of the predictions around it.
std::string error_record(const Line& line, size_t number, bool json) {
  if (json) {
    const nlohmann::ordered_json j = {{"line", number}, {"error", line.error}};
    // Bytes from the input may appear in the message: never throw on output.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return "error: " + line.error + "\n";
}

// Reads lines in order, applies the policy and the model's text checks to each, and
// predicts and prints them a batch at a time.
class LinePredictor {
 public:
  LinePredictor(const Classifier& c, ThreadPool& pool, const PredictOptions& o, std::string unit,
                std::string source)
      : c_(c), pool_(pool), o_(o), unit_(std::move(unit)), source_(std::move(source)) {}

  // Under --on-error fail a bad line first prints and flushes the lines before it, then
  // throws: the output is exactly the lines before the bad one, whatever the batch size.
  void add(std::string raw) {
    ++count_;
    Line line;
    line.error = check(std::move(raw), line.text);
    if (!line.error.empty()) {
      if (o_.policy.on_error != data::OnError::kSkip) {
        finish();
        throw Error(source_ + line.error);
      }
      ++skipped_;
    }
    batch_.push_back(std::move(line));
    if (batch_.size() == static_cast<size_t>(o_.batch_size)) finish();
  }

  // Predicts and prints what is batched.
  void finish() {
    if (batch_.empty()) return;
    run_batch();
    first_ += batch_.size();
    batch_.clear();
    flush_stdout();
  }

  size_t count() const { return count_; }
  size_t skipped() const { return skipped_; }

 private:
  // The policy and encode()'s checks for one line; the error ("" when fine) names it.
  std::string check(std::string raw, std::string& text) const {
    const std::string where = unit_ + " " + std::to_string(count_);
    data::PolicyResult r = data::apply_input_policy(std::move(raw), o_.policy);
    if (!r.ok()) return where + " " + r.error;
    text = std::move(r.text);
    if (text.size() > kMaxTextBytes)
      return where + " is " + std::to_string(text.size()) + " bytes, over the limit of " +
             std::to_string(kMaxTextBytes);
    if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) return where + " is empty";
    return {};
  }

  // probs: (texts, K) class probabilities. Binary models print P(second label) (e.g.
  // P(positive)) as before; others print the top class's probability, and --json adds all.
  void run_batch() {
    std::vector<std::string_view> views;
    for (const Line& line : batch_)
      if (line.error.empty()) views.push_back(line.text);
    std::vector<float> probs;
    if (!views.empty()) probs = c_.predict_proba(views, pool_);
    const size_t K = c_.num_classes();
    std::string out;
    size_t row_index = 0;
    for (size_t k = 0; k < batch_.size(); ++k) {
      if (!batch_[k].error.empty()) {
        out += error_record(batch_[k], first_ + k, o_.json);
        continue;
      }
      const std::span<const float> row(probs.data() + row_index++ * K, K);
      const size_t top = Classifier::top_class(row);
      const std::string& label = c_.labels()[top];
      const float shown = K == 2 ? row[1] : row[top];
      if (o_.json) {
        nlohmann::ordered_json j = {{"label", label}, {"probability", shown}};
        if (K > 2) {
          nlohmann::ordered_json all;
          for (size_t i = 0; i < K; ++i) all[c_.labels()[i]] = row[i];
          j["probabilities"] = all;
        }
        out += j.dump() + "\n";
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "\t%.4f\n", static_cast<double>(shown));
        out += label + buf;
      }
    }
    write_stdout(out);
  }

  const Classifier& c_;
  ThreadPool& pool_;
  const PredictOptions& o_;
  std::string unit_;    // "line" or "argument"
  std::string source_;  // prefix of a fatal error: "standard input: " or ""
  std::vector<Line> batch_;
  size_t first_ = 1;  // the number of batch_[0] (1-based over the whole input)
  size_t count_ = 0;
  size_t skipped_ = 0;
};

int run_predict(const PredictOptions& o) {
  const bool from_stdin = o.texts.empty() || (o.texts.size() == 1 && o.texts[0] == "-");
  if (!from_stdin && std::find(o.texts.begin(), o.texts.end(), "-") != o.texts.end())
    throw Error(
        "'-' reads the texts from standard input and cannot be combined with texts given "
        "as arguments (got '-' among " +
        std::to_string(o.texts.size()) + " arguments; expected either texts or '-' alone)");
  const Classifier c = load_model(o.model);
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  const std::string unit = from_stdin ? "line" : "argument";
  LinePredictor predictor(c, *pool, o, unit, from_stdin ? "standard input: " : "");
  if (from_stdin) {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      predictor.add(std::move(line));
    }
  } else {
    for (const std::string& text : o.texts) predictor.add(text);
  }
  predictor.finish();
  if (predictor.count() == 0)
    throw Error("no input: give texts as arguments or one review per line on stdin");
  if (predictor.skipped() > 0)
    std::fprintf(stderr, "skipped %zu of %zu %ss (--on-error skip): their records say why\n",
                 predictor.skipped(), predictor.count(), unit.c_str());
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "Label raw text: arguments, or one review per line on stdin (none or -)");
  cmd->add_option("model", o->model, "Model file (final.model or best.model from train)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("text", o->texts, "Texts to label; none or - alone reads stdin");
  cmd->add_flag("--json", o->json,
                "Print one JSON object per line (a skipped line: {\"line\": N, \"error\": ...})");
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  cmd->add_option("--batch-size", o->batch_size,
                  "Lines per batch from stdin (changes speed and memory, never the output)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  add_input_policy_flags(*cmd, o->policy);
  return [o] { return run_predict(*o); };
}

}  // namespace sentiment::cli
