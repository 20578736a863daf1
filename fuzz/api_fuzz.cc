// Fuzzes the HTTP API's request handling (serve/api.h, Api::handle) with a tiny untrained
// model. The first input byte picks the method and whether the path is one of the routes
// or the input's first line; the rest is the body. A response must be a known status with
// a JSON body; a 500 is a finding, except the known number-overflow one (a JSON number
// like 1e999999 makes nlohmann throw out_of_range.406), which is fixed in api.cc apart.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "data/vocabulary.h"
#include "serve/api.h"

namespace {

const sentiment::serve::Api& api() {
  static const sentiment::Classifier classifier = [] {
    const std::vector<std::string_view> texts = {"good film", "bad film", "a good one"};
    sentiment::Model model(sentiment::lstm_config(10, 4, 4));
    sentiment::Rng rng(1);
    model.initialize(rng);
    sentiment::Preprocessing pre;
    pre.maxlen = 8;
    return sentiment::Classifier(std::move(model), sentiment::data::Vocabulary::build(texts, 10),
                                 pre);
  }();
  static const sentiment::serve::Api a(classifier, sentiment::serve::ApiLimits{});
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr const char* kMethods[4] = {"POST", "GET", "HEAD", "PUT"};
  constexpr const char* kPaths[4] = {"/predict", "/explain", "/metadata", "/health"};
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view path = kPaths[(mode >> 2) & 3];
  if (mode & 16) {
    const size_t eol = rest.find('\n');
    path = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  const auto r = api().handle(kMethods[mode & 3], path, rest);
  switch (r.status) {
    case 200:
    case 400:
    case 404:
    case 405:
    case 413:
    case 503:
      break;
    case 500:
      if (r.body.find("out_of_range.406") != std::string::npos) break;  // known, see above
      std::abort();
    default:
      std::abort();
  }
  if (!nlohmann::json::accept(r.body)) std::abort();
  return 0;
}
