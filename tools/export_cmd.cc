// `sentiment export MODEL --safetensors FILE`: the weights for other frameworks.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/file_util.h"
#include "io/model_file.h"
#include "io/safetensors.h"

namespace sentiment::cli {

Command add_export_command(CLI::App& app) {
  struct Options {
    std::string model, safetensors;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a model's weights as safetensors (names and layout: docs/export.md)");
  cmd->add_option("model", o->model, "Model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--safetensors", o->safetensors, "Output .safetensors file")->required();
  return [o] {
    check_not_input(o->safetensors, o->model, "model");
    export_safetensors(o->safetensors, load_model(o->model));
    print_stdout("Wrote %s\n", o->safetensors.c_str());
    return 0;
  };
}

}  // namespace sentiment::cli
