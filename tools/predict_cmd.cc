// `sentiment predict MODEL [TEXT...]`: label and probability for each text given as an
// argument, or for each line of stdin when no text (or "-") is given. Lines are batched so
// large inputs stream through at the speed of the kernels.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "io/model_file.h"

namespace sentiment::cli {
namespace {

struct PredictOptions {
  std::string model;
  std::vector<std::string> texts;
  bool json = false;
  int threads = 0;
  int batch_size = 1024;
};

// probs: (texts, K) class probabilities. Binary models print P(second label) (e.g. P(positive))
// as before; others print the top class's probability, and --json adds all of them.
void print(const Classifier& c, const std::vector<std::string>& texts,
           const std::vector<float>& probs, bool json) {
  const size_t K = c.num_classes();
  std::string out;
  for (size_t k = 0; k < texts.size(); ++k) {
    const std::span<const float> row(probs.data() + k * K, K);
    const size_t top = Classifier::top_class(row);
    const std::string& label = c.labels()[top];
    const float shown = K == 2 ? row[1] : row[top];
    if (json) {
      nlohmann::ordered_json j = {{"label", label}, {"probability", shown}};
      if (K > 2) {
        nlohmann::ordered_json all;
        for (size_t i = 0; i < K; ++i) all[c.labels()[i]] = row[i];
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

// Runs one batch; errors name the line (1-based over the whole input).
void run_batch(const Classifier& c, ThreadPool& pool, const std::vector<std::string>& texts,
               size_t first_line, bool json, const char* unit) {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<float> probs;
  try {
    probs = c.predict_proba(views, pool);
  } catch (const Error& e) {
    // encode() says "text N ..."; restate it as the user's position.
    std::string msg = e.what();
    const size_t at = msg.find("text ");
    if (at == 0) {
      size_t end = 5;
      const size_t n = std::stoul(msg.substr(5), &end);
      msg = std::string(unit) + " " + std::to_string(first_line + n - 1) + msg.substr(5 + end);
    }
    throw Error(msg);
  }
  print(c, texts, probs, json);
}

int run_predict(const PredictOptions& o) {
  const Classifier c = load_model(o.model);
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  const bool from_stdin = o.texts.empty() || (o.texts.size() == 1 && o.texts[0] == "-");
  if (!from_stdin) {
    run_batch(c, *pool, o.texts, 1, o.json, "argument");
    return 0;
  }
  std::vector<std::string> batch;
  std::string line;
  size_t line_no = 0, first = 1;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    batch.push_back(std::move(line));
    if (batch.size() == static_cast<size_t>(o.batch_size)) {
      run_batch(c, *pool, batch, first, o.json, "line");
      batch.clear();
      first = line_no + 1;
      flush_stdout();
    }
  }
  if (!batch.empty()) run_batch(c, *pool, batch, first, o.json, "line");
  if (line_no == 0)
    throw Error("no input: give texts as arguments or one review per line on stdin");
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
  cmd->add_option("text", o->texts, "Texts to label; none or - reads stdin");
  cmd->add_flag("--json", o->json, "Print one JSON object per line");
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  cmd->add_option("--batch-size", o->batch_size, "Lines per batch from stdin")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  return [o] { return run_predict(*o); };
}

}  // namespace sentiment::cli
