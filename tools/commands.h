// The verbs of the sentiment CLI. Each registers its subcommand and flags on the CLI11 app
// and returns the function that runs it once parsing succeeded.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace sentiment::cli {

using Command = std::function<int()>;

Command add_train_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_test_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_explain_command(CLI::App& app);
Command add_quantize_command(CLI::App& app);

}  // namespace sentiment::cli
