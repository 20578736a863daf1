// `sentiment export MODEL --safetensors FILE` (the weights for other frameworks) and
// `sentiment export MODEL --onnx FILE [--tokenizer FILE]` (a runnable ONNX graph and the
// preprocessing any runtime needs to feed it).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/file_util.h"
#include "io/model_file.h"
#include "io/safetensors.h"
#include "io/tokenizer_json.h"
#include "onnx_export/onnx_export.h"

namespace sentiment::cli {
namespace {

// FILE with its extension replaced: model.onnx -> model.tokenizer.json.
std::string default_tokenizer_path(const std::string& onnx) {
  return std::filesystem::path(onnx).replace_extension(".tokenizer.json").string();
}

}  // namespace

Command add_export_command(CLI::App& app) {
  struct Options {
    std::string model, safetensors, onnx, tokenizer;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write a model's weights as safetensors, or the model as ONNX with its tokenizer "
      "(docs/export.md)");
  cmd->add_option("model", o->model, "Model file")->required()->check(CLI::ExistingFile);
  CLI::Option* safetensors =
      cmd->add_option("--safetensors", o->safetensors, "Output .safetensors file");
  CLI::Option* onnx =
      cmd->add_option("--onnx", o->onnx,
                      "Output .onnx file (ONNX opset 17; the tokenizer JSON is written beside it)");
  cmd->add_option("--tokenizer", o->tokenizer,
                  "Output tokenizer JSON of --onnx (default: the .onnx path with its extension "
                  "replaced by .tokenizer.json)")
      ->needs(onnx);
  cmd->callback([safetensors, onnx] {
    if (safetensors->count() == 0 && onnx->count() == 0)
      throw CLI::ValidationError("export", "give --safetensors FILE, --onnx FILE or both");
  });
  return [o] {
    if (!o->safetensors.empty()) check_not_input(o->safetensors, o->model, "model");
    std::string tokenizer;
    if (!o->onnx.empty()) {
      tokenizer = o->tokenizer.empty() ? default_tokenizer_path(o->onnx) : o->tokenizer;
      check_not_input(o->onnx, o->model, "model");
      check_not_input(tokenizer, o->model, "model");
      if (std::filesystem::path(tokenizer).lexically_normal() ==
          std::filesystem::path(o->onnx).lexically_normal())
        throw Error("refusing to write the tokenizer JSON over the ONNX file " + o->onnx +
                    ": give --tokenizer another path");
    }
    const Classifier classifier = load_model(o->model);
    if (!o->safetensors.empty()) {
      export_safetensors(o->safetensors, classifier);
      print_stdout("Wrote %s\n", o->safetensors.c_str());
    }
    if (!o->onnx.empty()) {
      // Both are built first, so a model that cannot be exported leaves nothing behind.
      const std::string graph = to_onnx(classifier);
      const std::string rules = tokenizer_json(classifier);
      write_file_atomic(o->onnx, graph);
      write_file_atomic(tokenizer, rules);
      print_stdout("Wrote %s\nWrote %s\n", o->onnx.c_str(), tokenizer.c_str());
    }
    return 0;
  };
}

}  // namespace sentiment::cli
