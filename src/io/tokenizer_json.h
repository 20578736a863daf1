// A classifier's text-to-ids preprocessing as one JSON document, for runtimes outside this
// project (the ONNX export writes it beside the .onnx): the tokenizer's rules as data, the
// special indices, num_words, maxlen, padding and truncating, the labels, the words in rank
// order and, with an n-gram head, the hash that turns ids into ngram_ids.
// docs/export.md ("ONNX") describes every key.
#pragma once

#include <string>

#include "io/classifier.h"

namespace sentiment {

inline constexpr const char* kTokenizerJsonFormat = "lstm-sentiment-tokenizer";
inline constexpr int kTokenizerJsonVersion = 1;

std::string tokenizer_json(const Classifier& classifier);

}  // namespace sentiment
