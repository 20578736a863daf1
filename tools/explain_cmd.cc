// `sentiment explain MODEL TEXT [--html FILE] [--json]`: how much each word of TEXT moved the
// prediction (occlusion, docs/explain.md), coloured in the terminal, as JSON, or as a
// standalone HTML page. TEXT "-" reads the whole of stdin as one text.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/file_util.h"
#include "explain/explain.h"
#include "io/model_file.h"

namespace sentiment::cli {
namespace {

struct ExplainOptions {
  std::string model, text, html;
  bool json = false;
  int threads = 0;
};

// Colour only for a terminal, and never when the user opted out (https://no-color.org).
bool use_color() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0') &&
         !(term != nullptr && std::string(term) == "dumb");
}

int run_explain(const ExplainOptions& o) {
  if (!o.html.empty()) check_not_input(o.html, o.model, "model");
  const Classifier classifier = load_model(o.model);
  std::string text = o.text;
  if (text == "-")
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  const std::unique_ptr<ThreadPool> pool = make_pool(o.threads);
  const Explanation e = explain(classifier, text, *pool);
  const std::string out = o.json ? render_json(e) + "\n" : render_terminal(e, use_color());
  write_stdout(out);
  flush_stdout();  // before the note on stderr, so the two never interleave
  if (!o.html.empty()) {
    write_file_atomic(o.html, render_html(e));
    std::fprintf(stderr, "Wrote %s\n", o.html.c_str());
  }
  return 0;
}

}  // namespace

Command add_explain_command(CLI::App& app) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Score every word of a text by how much it moves the prediction");
  cmd->add_option("model", o->model, "Model file (final.model or best.model from train)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("text", o->text, "The text to explain; - reads it from stdin")->required();
  cmd->add_option("--html", o->html, "Also write a standalone HTML page with the words coloured");
  cmd->add_flag("--json", o->json,
                "Print JSON: label, probability and every word's index and contribution");
  cmd->add_option("--threads", o->threads, kThreadsHelp)->check(CLI::Range(0, 1024));
  return [o] { return run_explain(*o); };
}

}  // namespace sentiment::cli
