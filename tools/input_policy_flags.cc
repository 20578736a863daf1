// The input policy flags: how a verb adds them, and the report of skipped rows.
#include "input_policy_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace sentiment::cli {

void add_input_policy_flags(CLI::App& cmd, data::InputPolicy& policy) {
  const PolicyFlag& encoding = input_encoding_flag();
  cmd.add_option_function<std::string>(
         encoding.flag,
         [&policy](const std::string& name) { policy.encoding = data::parse_input_encoding(name); },
         encoding.help)
      ->check(CLI::IsMember(encoding.choices))
      ->default_str(data::to_string(policy.encoding));
  const PolicyFlag& on_error = on_error_flag();
  cmd.add_option_function<std::string>(
         on_error.flag,
         [&policy](const std::string& name) { policy.on_error = data::parse_on_error(name); },
         on_error.help)
      ->check(CLI::IsMember(on_error.choices))
      ->default_str(data::to_string(policy.on_error));
}

void report_skipped(size_t skipped, const std::string& where, const std::string& first) {
  if (skipped == 0) return;
  std::fprintf(stderr, "skipped %zu %s of %s (--on-error skip; the first: %s)\n", skipped,
               skipped == 1 ? "row" : "rows", where.c_str(), first.c_str());
}

}  // namespace sentiment::cli
