// The check both model-file test files make of a crafted file: the loader refuses it with
// an Error that mentions every one of the given words.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_file.h"

namespace sentiment::testing {

inline void expect_load_error_naming(const std::string& bytes,
                                     const std::vector<std::string>& words) {
  try {
    deserialize_model(bytes, "crafted.model");
    FAIL() << "the crafted file was accepted";
  } catch (const Error& e) {
    for (const auto& w : words)
      EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << w << " in: " << e.what();
  }
}

}  // namespace sentiment::testing
