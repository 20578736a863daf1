// The server's JSON API without the HTTP transport: routing, request validation and the
// handlers, as one function from (method, path, body) to (status, JSON body). Keeping it
// free of HTTP makes every rule testable and the transport (server.cc) a thin layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/classifier.h"

namespace sentiment::serve {

struct ApiResponse {
  int status = 200;
  std::string body;   // always a JSON document; {"error": "..."} when status >= 400
  std::string allow;  // the Allow header of a 405, empty otherwise
};

// {"error": message} as a JSON document.
std::string error_body(std::string_view message);

struct ApiLimits {
  size_t max_body_bytes = 1 << 20;  // enforced by the transport; reported by /metadata
  size_t max_texts = 1024;          // most texts one /predict request may carry
  // The transport's batching and queue limits, reported by /metadata only.
  size_t max_batch = 64;
  size_t batch_wait_us = 0;
  size_t max_queue = 1024;
};

// A /predict request validated and encoded, waiting for its forward pass. The server runs the
// rows of many such requests as one batch; every row's probabilities are those it gets alone.
struct PreparedPredict {
  std::vector<int32_t> rows;  // (texts, maxlen) token rows
  size_t texts = 0;
  bool single = false;  // {"text": ...}: the answer also has the prediction at the top level
};

class Api {
 public:
  // classifier must outlive the Api.
  Api(const Classifier& classifier, ApiLimits limits);

  // Never throws: bad input gives a 4xx, anything unexpected a 500, both with an error body.
  // Const and free of shared mutable state, so any number of threads may call it at once.
  ApiResponse handle(std::string_view method, std::string_view path, std::string_view body) const;

  // handle() for POST /predict in three steps, so that requests can share a forward pass:
  // prepare_predict() validates and encodes a body (nullopt, with `out` filled) or gives the
  // error answer; probabilities() runs the concatenated rows of any number of prepared
  // requests (throws only std::bad_alloc); answer_predict() turns one request's rows of
  // probabilities, (texts, classes) row-major, into its answer. None but probabilities throws.
  std::optional<ApiResponse> prepare_predict(std::string_view body, PreparedPredict& out) const;
  std::vector<float> probabilities(const std::vector<int32_t>& rows) const;
  ApiResponse answer_predict(const PreparedPredict& p, std::span<const float> probs) const;
  size_t num_classes() const { return classifier_.num_classes(); }
  // Most texts the server may combine into one probabilities() call: limits.max_batch where
  // every row's result is known not to depend on the other rows of its batch, else 1.
  size_t max_batch() const { return limits_.max_batch; }

 private:
  void prepare(std::string_view body, PreparedPredict& out) const;
  ApiResponse explain(std::string_view body) const;

  const Classifier& classifier_;
  ApiLimits limits_;
  std::string metadata_;  // built once: the model never changes while serving
};

}  // namespace sentiment::serve
