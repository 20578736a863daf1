// sentiment: train and evaluate recurrent text classifiers. main parses the command line,
// runs the chosen verb, checks that its output reached stdout, and is the one place that
// turns exceptions into "error: ..." and a non-zero exit status.
#include <cstdio>
#include <exception>
#include <sstream>
#include <utility>

#include "commands.h"
#include "common.h"
#include "core/error.h"

namespace {

// Every verb's output, help and version included, must reach stdout: a write that failed on
// the way (a full disk, a closed pipe) fails the command.
int flushed(int status) {
  try {
    sentiment::cli::flush_stdout();
  } catch (const sentiment::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return status == 0 ? 1 : status;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  sentiment::cli::guard_standard_streams();
  CLI::App app{"sentiment: LSTM text classifiers, trained and served natively on the CPU"};
  app.set_version_flag("--version", std::string("sentiment ") + SENTIMENT_VERSION);
  app.require_subcommand(1);
  namespace cli = sentiment::cli;
  const std::pair<const char*, cli::Command> commands[] = {
      {"train", cli::add_train_command(app)},     {"predict", cli::add_predict_command(app)},
      {"test", cli::add_test_command(app)},       {"export", cli::add_export_command(app)},
      {"bench", cli::add_bench_command(app)},     {"serve", cli::add_serve_command(app)},
      {"explain", cli::add_explain_command(app)}, {"quantize", cli::add_quantize_command(app)},
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    std::ostringstream text;
    const int status = app.exit(e, text);
    try {
      sentiment::cli::write_stdout(text.str());
    } catch (const sentiment::Error& error) {
      std::fprintf(stderr, "error: %s\n", error.what());
      return 1;
    }
    return flushed(status);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    std::fprintf(stderr, "Run with --help for usage.\n");
    return 2;
  }
  try {
    for (const auto& [name, run] : commands)
      if (app.got_subcommand(name)) return flushed(run());
    return 2;
  } catch (const sentiment::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
