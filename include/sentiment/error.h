// The one exception lstm-sentiment throws for user-facing failures (missing or corrupt
// files, bad configurations, bad text): its message names the thing at fault and, where it
// helps, what was got versus what was expected.
#pragma once

#include <stdexcept>
#include <string>

#include "sentiment/export.h"

namespace sentiment {

class SENTIMENT_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sentiment
