// Export of a classifier's weights in the safetensors format (an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian tensors), readable from Python, Rust and C++ without this project.
// Tensor names and shapes follow the Keras layers; docs/export.md maps them onto Keras and
// PyTorch.
#pragma once

#include <filesystem>
#include <string>

#include "io/classifier.h"

namespace sentiment {

std::string to_safetensors(const Classifier& classifier);
void export_safetensors(const std::filesystem::path& path, const Classifier& classifier);

}  // namespace sentiment
