// --input-encoding and --on-error, the input policy flags of predict, test and train, each
// declared once here (flag, run-config key, help, choices). predict and test add them with
// add_input_policy_flags; train's option table (train_options.cc) makes its entries, and so
// its config keys, from the same declarations.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/input_policy.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sentiment::cli {

struct PolicyFlag {
  std::string flag;  // "--input-encoding"
  std::string key;   // its key in train's run configuration: "data.input_encoding"
  std::string help;
  std::vector<std::string> choices;  // the names of the enum's values, the default first
};

const PolicyFlag& input_encoding_flag();
const PolicyFlag& on_error_flag();

// Adds both flags to a verb; CLI11 parses them into policy (which must outlive parsing).
void add_input_policy_flags(CLI::App& cmd, data::InputPolicy& policy);

// After a read under --on-error skip: "skipped N rows of WHERE (--on-error skip; the first:
// ...)" on stderr, nothing when none was skipped.
void report_skipped(size_t skipped, const std::string& where, const std::string& first);

}  // namespace sentiment::cli
