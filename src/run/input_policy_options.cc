// The input policy options' declarations.
#include "run/input_policy_options.h"

namespace sentiment {

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

}  // namespace sentiment
