// Export of a classifier as a standard ONNX model (opset kOnnxOpset), checked by ONNX's own
// checker and strict shape inference before a byte is written. Graph inputs: input_ids
// (batch, sequence) int64, padded any way for mask_zero models; with an n-gram head also
// ngram_ids (batch, ngrams) int64, -1 = none. Outputs: logits and probabilities
// (batch, outputs). docs/export.md ("ONNX") describes the graph.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "io/classifier.h"

namespace sentiment {

inline constexpr int64_t kOnnxOpset = 17;
// Protocol buffers cannot serialise a message of 2 GiB or more; larger models are refused.
inline constexpr size_t kMaxOnnxBytes = (size_t{1} << 31) - (size_t{1} << 20);

// Throws Error naming the part of a model of this configuration that ONNX cannot hold.
void check_onnx_exportable(const ModelConfig& config);

// The serialised ModelProto. Throws Error naming the part of the model that cannot be
// expressed, or the checker's complaint.
std::string to_onnx(const Classifier& classifier);
void export_onnx(const std::filesystem::path& path, const Classifier& classifier);

// Throws Error unless bytes parse as a ModelProto that passes onnx::checker::check_model
// (for tests and for export_onnx's own check).
void check_onnx(const std::string& bytes);

}  // namespace sentiment
