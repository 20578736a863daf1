// The flags of `sentiment train`, made from the option table (run/train_options.h): CLI11
// parses into their storage, and apply() sets the given ones over a run configuration.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "run/run_config.h"
#include "run/train_options.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sentiment::cli {

// The flags made from the table (train_option_flags.cc), the storage CLI11 parses into,
// and which were given.
class TrainOptionFlags {
 public:
  TrainOptionFlags();
  ~TrainOptionFlags();
  TrainOptionFlags(const TrainOptionFlags&) = delete;
  TrainOptionFlags& operator=(const TrainOptionFlags&) = delete;

  // Adds one flag per option that has one, grouped by section (Data, Model, Training),
  // with its help, default and check; options only config files set are listed in the
  // footer.
  void add_to(CLI::App& cmd);
  bool given(const TrainOption& option) const;
  // The flag given on the command line as JSON of the option's type.
  nlohmann::json value(const TrainOption& option) const;
  // Sets the options whose flags were given, in table order, over what config holds.
  void apply(RunConfig& config) const;
  std::vector<std::string> given_flags() const;

 private:
  struct Slot;
  std::vector<std::unique_ptr<Slot>> slots_;  // parallel to train_options()
};

}  // namespace sentiment::cli
