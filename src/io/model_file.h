// The model file: everything needed to go from raw text to a prediction, in one versioned,
// checksummed file. Layout (all integers little-endian):
//   offset 0   8 bytes  magic "LSTMSENT"
//          8   u32      format version (kModelFormatVersion)
//         12   u32      reserved, 0
//         16   u64      header length Lh, then Lh bytes of UTF-8 JSON: architecture,
//                       preprocessing (tokenizer, num_words, maxlen, padding, truncating,
//                       special indices), labels, tensor table (name, shape, offset in
//                       floats), training config and final metrics
//              u64      vocabulary length Lv, then Lv bytes: the kept words in rank order,
//                       each followed by '\n' (words never contain '\n')
//              u64      weights length Lw, then Lw bytes of float32: the flat parameter
//                       array in the tensor table's order (quantized files, version 3: each
//                       int8 tensor as its int8 values then its float32 scales)
//              u32      CRC-32 (zlib) of every byte before it
// Files are written to a temporary name and renamed, so a crash never leaves a half-written
// model in place of a good one. docs/model-format.md describes the format for other tools.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "io/classifier.h"

namespace sentiment {

inline constexpr char kModelMagic[8] = {'L', 'S', 'T', 'M', 'S', 'E', 'N', 'T'};
// Version 2 describes any layer stack (model_json.h); version 1 files (the recipe's single
// LSTM) are still read. Version 3 adds int8 weights (model/quantized.h): quantized models are
// written as version 3, float models still as version 2, which older readers load.
inline constexpr uint32_t kModelFormatVersion = 3;
inline constexpr uint32_t kFloatModelFormatVersion = 2;
// The header's quantization.scheme of version 3 files with int8 weights.
inline constexpr const char* kQuantizationScheme = "int8-symmetric-per-channel";
// Name of the tokenizer rules (src/data/tokenizer.h); a file made with other rules is
// refused rather than silently mis-tokenised.
inline constexpr const char* kTokenizerName = "lstm-sentiment-words-1";

std::string serialize_model(const Classifier& classifier);
Classifier deserialize_model(const std::string& bytes, const std::string& name);

void save_model(const std::filesystem::path& path, const Classifier& classifier);
Classifier load_model(const std::filesystem::path& path);

}  // namespace sentiment
