// The server's JSON API without the HTTP transport: routing, request validation and the
// handlers, as one function from (method, path, body) to (status, JSON body). Keeping it
// free of HTTP makes every rule testable and the transport (server.cc) a thin layer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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
};

class Api {
 public:
  // classifier must outlive the Api.
  Api(const Classifier& classifier, ApiLimits limits);

  // Never throws: bad input gives a 4xx, anything unexpected a 500, both with an error body.
  // Const and free of shared mutable state, so any number of threads may call it at once.
  ApiResponse handle(std::string_view method, std::string_view path, std::string_view body) const;

 private:
  ApiResponse predict(std::string_view body) const;
  ApiResponse explain(std::string_view body) const;

  const Classifier& classifier_;
  ApiLimits limits_;
  std::string metadata_;  // built once: the model never changes while serving
};

}  // namespace sentiment::serve
