// `sentiment quantize MODEL OUT`: the model with int8 weights (docs/quantize.md), written
// atomically beside nothing it reads, with the file sizes before and after.
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/file_util.h"
#include "io/model_file.h"
#include "kernels/int8.h"
#include "model/quantized.h"

namespace sentiment::cli {

Command add_quantize_command(CLI::App& app) {
  struct Options {
    std::string model, out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Write a model with int8 weights: per-row scales for the embedding and n-gram table, "
      "per-output-channel scales for the recurrent kernels (docs/quantize.md)");
  cmd->add_option("model", o->model, "Float model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("out", o->out, "Output model file")->required();
  return [o] {
    check_not_input(o->out, o->model, "model");
    const Classifier in = load_model(o->model);
    if (in.model().quantized()) throw Error("model file " + o->model + " is already quantized");
    Classifier out(quantize_model(in.model()), in.vocabulary(), in.preprocessing(), in.labels());
    out.training_json = in.training_json;
    out.metrics_json = in.metrics_json;
    const std::string bytes = serialize_model(out);
    write_file_atomic(o->out, bytes);
    const auto before = std::filesystem::file_size(o->model);
    const std::string steps = out.model().int8_steps()
                                  ? std::string("int8, ") + kernels::cpu::int8_variant_name(
                                                                kernels::cpu::int8_best_variant())
                                  : std::string("float, faster on this CPU for this model");
    print_stdout("Wrote %s: %.2f MB -> %.2f MB (%.1fx smaller; recurrent step products: %s)\n",
                 o->out.c_str(), static_cast<double>(before) / 1e6,
                 static_cast<double>(bytes.size()) / 1e6,
                 static_cast<double>(before) / static_cast<double>(bytes.size()), steps.c_str());
    return 0;
  };
}

}  // namespace sentiment::cli
