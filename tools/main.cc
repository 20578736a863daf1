// sentiment: train and evaluate recurrent text classifiers. main parses the command line,
// runs the chosen verb and is the one place that turns exceptions into "error: ..." and a
// non-zero exit status.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"sentiment: LSTM text classifiers, trained and served natively on the CPU"};
  app.set_version_flag("--version", std::string("sentiment ") + SENTIMENT_VERSION);
  app.require_subcommand(1);
  sentiment::cli::Command train = sentiment::cli::add_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    std::fprintf(stderr, "Run with --help for usage.\n");
    return 2;
  }
  try {
    if (app.got_subcommand("train")) return train();
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
