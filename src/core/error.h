// Project exceptions. User-facing failures (bad input, bad files, bad flags) throw
// sentiment::Error with a message that names the thing at fault and, where it helps,
// what was got versus what was expected. The CLI catches these once in main.
#pragma once

#include <stdexcept>
#include <string>

namespace sentiment {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sentiment
