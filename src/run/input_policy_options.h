// The declarations of --input-encoding and --on-error (flag, run-config key, help, choices),
// shared by train's option table and the predict and test verbs, which add them as flags.
#pragma once

#include <string>
#include <vector>

#include "data/input_policy.h"

namespace sentiment {

struct PolicyFlag {
  std::string flag;  // "--input-encoding"
  std::string key;   // its key in train's run configuration: "data.input_encoding"
  std::string help;
  std::vector<std::string> choices;  // the names of the enum's values, the default first
};

const PolicyFlag& input_encoding_flag();
const PolicyFlag& on_error_flag();

}  // namespace sentiment
