// The input policy: Latin-1 decoding, UTF-8 checking and U+FFFD replacement of one text.
#include "data/input_policy.h"

#include <cstdio>

#include "core/error.h"
#include "data/tokenizer.h"

namespace sentiment::data {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (b >> 6));
      out += static_cast<char>(0x80 | (b & 0x3F));
    }
  }
  return out;
}

std::string replace_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const size_t bad = invalid_utf8_offset(bytes);
    if (bad == std::string_view::npos) {
      out.append(bytes);
      break;
    }
    out.append(bytes.substr(0, bad));
    out.append(kReplacement);
    bytes.remove_prefix(bad + 1);
  }
  return out;
}

PolicyResult apply_input_policy(std::string raw, const InputPolicy& policy) {
  PolicyResult r;
  if (policy.encoding == InputEncoding::kLatin1) {
    r.text = latin1_to_utf8(raw);
    return r;
  }
  const size_t bad = invalid_utf8_offset(raw);
  if (bad == std::string_view::npos) {
    r.text = std::move(raw);
  } else if (policy.on_error == OnError::kReplace) {
    r.text = replace_invalid_utf8(raw);
  } else {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X",
                  static_cast<unsigned int>(static_cast<unsigned char>(raw[bad])));
    r.offset = bad;
    r.error = "is not valid UTF-8 (first bad byte " + std::string(byte) + " at byte offset " +
              std::to_string(bad) +
              "; expected UTF-8 text, or --input-encoding latin-1, or --on-error skip|replace)";
  }
  return r;
}

std::string to_string(InputEncoding encoding) {
  switch (encoding) {
    case InputEncoding::kUtf8:
      return "utf-8";
    case InputEncoding::kLatin1:
      return "latin-1";
  }
  return "unknown (" + std::to_string(static_cast<int>(encoding)) + ")";
}

std::string to_string(OnError on_error) {
  switch (on_error) {
    case OnError::kFail:
      return "fail";
    case OnError::kSkip:
      return "skip";
    case OnError::kReplace:
      return "replace";
  }
  return "unknown (" + std::to_string(static_cast<int>(on_error)) + ")";
}

InputEncoding parse_input_encoding(std::string_view name) {
  for (const InputEncoding e : {InputEncoding::kUtf8, InputEncoding::kLatin1})
    if (name == to_string(e)) return e;
  throw Error("unknown input encoding '" + std::string(name) + "' (expected utf-8 or latin-1)");
}

OnError parse_on_error(std::string_view name) {
  for (const OnError e : {OnError::kFail, OnError::kSkip, OnError::kReplace})
    if (name == to_string(e)) return e;
  throw Error("unknown --on-error policy '" + std::string(name) +
              "' (expected fail, skip or replace)");
}

}  // namespace sentiment::data
