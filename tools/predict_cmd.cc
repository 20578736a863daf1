// `sentiment predict MODEL [TEXT...]`: label and probability for each text given as an
// argument, or for each line of stdin when no text (or "-" alone) is given. Every line goes
// through the input policy (--input-encoding, --on-error) and the model's text checks one by
// one before it is batched, so what is printed never depends on --batch-size; batches let
// large inputs stream through at the speed of the kernels.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "data/input_policy.h"
#include "data/line_reader.h"
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

// Applies the policy and the model's text checks to one input line; the error ("" when
// fine) names the line. `length` is the line's full length when the reader cut it short.
Line check_line(std::string raw, size_t length, size_t number, const std::string& unit,
                const data::InputPolicy& policy) {
  Line line;
  const std::string where = unit + " " + std::to_string(number);
  auto too_long = [&](size_t bytes) {
    return where + " is " + std::to_string(bytes) + " bytes, over the limit of " +
           std::to_string(kMaxTextBytes);
  };
  if (length > kMaxTextBytes) {
    line.error = too_long(length);
    return line;
  }
  data::PolicyResult r = data::apply_input_policy(std::move(raw), policy);
  if (!r.ok()) {
    line.error = where + " " + r.error;
  } else if (r.text.size() > kMaxTextBytes) {
    line.error = too_long(r.text.size());
  } else if (r.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
    line.error = where + " is empty";
  } else {
    line.text = std::move(r.text);
  }
  return line;
}

// Checked lines in input order, a batch at a time. `fatal` ends the input: a line refused
// under --on-error fail, or a read error; the lines of the batch are the ones before it.
struct Batch {
  std::vector<Line> lines;
  std::string fatal;
  bool last = false;
};

// Predicts and prints batches: probabilities for the good lines, records for the skipped.
class BatchPrinter {
 public:
  BatchPrinter(const Classifier& c, ThreadPool& pool, const PredictOptions& o)
      : c_(c), pool_(pool), o_(o) {}

  // probs: (texts, K) class probabilities. Binary models print P(second label) (e.g.
  // P(positive)) as before; others print the top class's probability, and --json adds all.
  void print(const std::vector<Line>& batch) {
    std::vector<std::string_view> views;
    for (const Line& line : batch)
      if (line.error.empty()) views.push_back(line.text);
    std::vector<float> probs;
    if (!views.empty()) probs = c_.predict_proba(views, pool_, kKernelBatch);
    const size_t K = c_.num_classes();
    std::string out;
    size_t row_index = 0;
    for (size_t k = 0; k < batch.size(); ++k) {
      if (!batch[k].error.empty()) {
        out += error_record(batch[k], first_ + k, o_.json);
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
    first_ += batch.size();
    write_stdout(out);
    flush_stdout();
  }

 private:
  // Rows per kernel call inside a batch: the engine's own batching, whatever --batch-size.
  static constexpr size_t kKernelBatch = 256;

  const Classifier& c_;
  ThreadPool& pool_;
  const PredictOptions& o_;
  size_t first_ = 1;  // the number of the next line printed (1-based over the whole input)
};

// Reads standard input on its own thread, in 1 MiB blocks, and checks each line, so that
// reading and checking batch n + 1 overlap with predicting and printing batch n. At most
// kQueued batches wait, so memory stays bounded however fast the input comes.
class StdinBatches {
 public:
  explicit StdinBatches(const PredictOptions& o)
      : o_(o), reader_(0, "standard input", kMaxTextBytes), thread_([this] { run(); }) {}
  ~StdinBatches() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    reader_.stop();
    changed_.notify_all();
    thread_.join();
  }

  // The next batch, in input order (its `last` is set on the final one).
  Batch next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty(); });
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return b;
  }

 private:
  static constexpr size_t kQueued = 2;
  // How often a reader waiting for input looks whether it should stop.
  static constexpr int kPollMs = 100;

  // Queues b; false when the consumer has gone.
  bool push(Batch b) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || queue_.size() < kQueued; });
    if (closed_) return false;
    queue_.push_back(std::move(b));
    changed_.notify_all();
    return true;
  }

  void run() {
    Batch batch;
    try {
      std::string raw;
      size_t length = 0;
      size_t number = 0;
      while (reader_.next(raw, length, kPollMs)) {
        Line line = check_line(std::move(raw), length, ++number, "line", o_.policy);
        if (!line.error.empty() && o_.policy.on_error != data::OnError::kSkip) {
          batch.fatal = "standard input: " + line.error;
          break;
        }
        batch.lines.push_back(std::move(line));
        if (batch.lines.size() == static_cast<size_t>(o_.batch_size)) {
          if (!push(std::exchange(batch, Batch{}))) return;
        }
      }
    } catch (const std::exception& e) {
      batch.fatal = e.what();
    }
    if (reader_.stopped()) return;
    batch.last = true;
    push(std::move(batch));
  }

  const PredictOptions& o_;
  data::LineReader reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  bool closed_ = false;  // the consumer is gone: the reader stops
  std::thread thread_;   // last: starts once everything it uses exists
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
  BatchPrinter printer(c, *pool, o);
  size_t count = 0, skipped = 0;
  auto print = [&](const Batch& b) {
    count += b.lines.size();
    for (const Line& line : b.lines) skipped += !line.error.empty();
    printer.print(b.lines);
    if (!b.fatal.empty()) throw Error(b.fatal);
  };
  const std::string unit = from_stdin ? "line" : "argument";
  if (from_stdin) {
    StdinBatches batches(o);
    for (bool last = false; !last;) {
      const Batch b = batches.next();
      last = b.last;
      print(b);
    }
  } else {
    Batch b;
    for (const std::string& text : o.texts) {
      Line line = check_line(text, text.size(), b.lines.size() + 1, unit, o.policy);
      if (!line.error.empty() && o.policy.on_error != data::OnError::kSkip) {
        b.fatal = line.error;
        break;
      }
      b.lines.push_back(std::move(line));
    }
    print(b);
  }
  if (count == 0) throw Error("no input: give texts as arguments or one review per line on stdin");
  if (skipped > 0)
    std::fprintf(stderr, "skipped %zu of %zu %ss (--on-error skip): their records say why\n",
                 skipped, count, unit.c_str());
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
