// --input-encoding and --on-error as flags of predict and test (declared once in
// run/input_policy_options.h, from which train's option table makes its entries too).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/input_policy.h"
#include "run/input_policy_options.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sentiment::cli {

// Adds both flags to a verb; CLI11 parses them into policy (which must outlive parsing).
void add_input_policy_flags(CLI::App& cmd, data::InputPolicy& policy);

// After a read under --on-error skip: "skipped N rows of WHERE (--on-error skip; the first:
// ...)" on stderr, nothing when none was skipped.
void report_skipped(size_t skipped, const std::string& where, const std::string& first);

}  // namespace sentiment::cli
