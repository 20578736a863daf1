// What to do with input text that is not valid UTF-8, in one place for every reader (predict's
// lines and arguments, labelled corpora, aclImdb reviews): the encoding the bytes are in
// (UTF-8, or Latin-1 decoded to UTF-8) and what happens to a line that still fails (fail,
// skip it, or replace each bad byte with U+FFFD). The callers add where the line came from.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sentiment::data {

// Persisted (in run configs and on the command line by name): explicit values.
enum class InputEncoding : int { kUtf8 = 0, kLatin1 = 1 };
enum class OnError : int { kFail = 0, kSkip = 1, kReplace = 2 };

struct InputPolicy {
  InputEncoding encoding = InputEncoding::kUtf8;
  OnError on_error = OnError::kFail;
};

// One line (or field, or file) after the policy: its UTF-8 text, or why it was refused.
struct PolicyResult {
  std::string text;                        // valid UTF-8 when ok()
  std::string error;                       // empty when ok(): what is wrong, no location
  size_t offset = std::string_view::npos;  // the first bad byte in the raw input
  bool ok() const { return error.empty(); }
};

// Applies the policy to raw bytes. kLatin1 maps every byte to the code point of the same
// value (so it never fails); kUtf8 checks the bytes: valid text passes unchanged, invalid
// text is replaced (kReplace) or refused with "is not valid UTF-8 (first bad byte 0xE9 at
// byte offset 12; expected UTF-8 text ...)" (kFail and kSkip: the caller fails or skips).
// raw is taken by value so that valid UTF-8 moves through without a copy.
PolicyResult apply_input_policy(std::string raw, const InputPolicy& policy);

// Latin-1 (ISO 8859-1) bytes as UTF-8: 0x00-0x7F unchanged, 0x80-0xFF as two bytes.
std::string latin1_to_utf8(std::string_view bytes);

// The bytes with every byte that does not belong to a valid UTF-8 sequence replaced by
// U+FFFD (EF BF BD), one replacement per bad byte; valid sequences are kept unchanged.
std::string replace_invalid_utf8(std::string_view bytes);

// "utf-8", "latin-1"; "fail", "skip", "replace". The parsers throw Error on other names.
std::string to_string(InputEncoding encoding);
std::string to_string(OnError on_error);
InputEncoding parse_input_encoding(std::string_view name);
OnError parse_on_error(std::string_view name);

}  // namespace sentiment::data
