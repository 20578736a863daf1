// The input policy flags: their declarations and how a verb adds them.
#include "input_policy_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace sentiment::cli {

const PolicyFlag& input_encoding_flag() {
  static const PolicyFlag flag{
      "--input-encoding",
      "data.input_encoding",
      "How input bytes are read: utf-8 (checked), or latin-1 (ISO 8859-1, every byte decoded "
      "to UTF-8; never invalid)",
      {data::to_string(data::InputEncoding::kUtf8), data::to_string(data::InputEncoding::kLatin1)}};
  return flag;
}

const PolicyFlag& on_error_flag() {
  static const PolicyFlag flag{
      "--on-error",
      "data.on_error",
      "What a bad line does (invalid UTF-8; in labelled data also a bad row such as a wrong "
      "field count or an unknown label): fail = stop with an error naming the file, line and "
      "byte offset; skip = predict prints an error record in its place, test and train drop "
      "it, and the count goes to stderr; replace = each invalid byte becomes U+FFFD (other "
      "errors still fail)",
      {data::to_string(data::OnError::kFail), data::to_string(data::OnError::kSkip),
       data::to_string(data::OnError::kReplace)}};
  return flag;
}

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
