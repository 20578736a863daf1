// Routes and handlers of the JSON API (docs/serve.md). Every handler validates its input
// with messages that name the field and say what was got versus expected; handle() maps
// what is left (bugs, out of memory) to a 500 so one bad request never takes the server down.
#include "serve/api.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/thread_pool.h"
#include "data/tokenizer.h"
#include "explain/explain.h"
#include "io/model_file.h"
#include "model/model_json.h"

namespace sentiment::serve {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// A request that fails validation; handle() turns it into its status and error body.
struct BadRequest {
  int status = 400;
  std::string message;
};

struct Route {
  std::string_view path, method;
};
constexpr Route kRoutes[] = {
    {"/health", "GET"}, {"/metadata", "GET"}, {"/predict", "POST"}, {"/explain", "POST"}};
constexpr const char* kRouteList = "GET /health, GET /metadata, POST /predict, POST /explain";

std::string dump(const OrderedJson& j) {
  // Labels and the training record come from the model file: never throw on output.
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

ApiResponse ok(std::string body) {
  return {200, std::move(body), ""};
}

Json parse_object(std::string_view body, const char* example) {
  const size_t bad = data::invalid_utf8_offset(body);
  if (bad != std::string_view::npos)
    throw BadRequest{
        400, "request body is not valid UTF-8 (bad byte at offset " + std::to_string(bad) + ")"};
  Json j;
  try {
    j = Json::parse(body);
  } catch (const Json::exception& e) {
    // Syntax errors and numbers out of double's range (out_of_range.406, e.g. 1e999999) alike.
    // nlohmann prefixes "[json.exception.parse_error.101] "; the id means nothing to a client.
    std::string what = e.what();
    const size_t end = what.find("] ");
    throw BadRequest{400,
                     "invalid JSON: " + (end == std::string::npos ? what : what.substr(end + 2))};
  }
  if (!j.is_object())
    throw BadRequest{
        400, std::string("expected a JSON object like ") + example + ", got " + j.type_name()};
  return j;
}

// j as a text: a string with visible characters; `name` is how errors refer to it.
std::string_view text_field(const Json& j, const std::string& name) {
  if (!j.is_string())
    throw BadRequest{400, "field " + name + ": got " + j.type_name() + ", expected a string"};
  const std::string& s = j.get_ref<const std::string&>();
  if (s.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    throw BadRequest{400, "field " + name + " is empty: expected text with visible characters"};
  return s;
}

// One row of class probabilities: binary models give P(second label) (e.g. P(positive));
// others the top class's probability plus every class's.
OrderedJson prediction(const Classifier& c, std::span<const float> row) {
  const size_t top = Classifier::top_class(row);
  if (c.binary()) return {{"label", c.labels()[top]}, {"probability", row[1]}};
  OrderedJson all;
  for (size_t k = 0; k < row.size(); ++k) all[c.labels()[k]] = row[k];
  return {{"label", c.labels()[top]}, {"probability", row[top]}, {"probabilities", all}};
}

OrderedJson parse_or_null(const std::string& text) {
  OrderedJson j = OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? OrderedJson(nullptr) : j;
}

OrderedJson model_metadata(const Classifier& c) {
  const ModelConfig& cfg = c.model().config();
  OrderedJson m = {{"type", "embedding-rnn-dense"}};
  m.update(model_config_to_json(cfg));
  m["output"] = cfg.num_classes == 2 ? "sigmoid" : "softmax";
  m["parameters"] = c.model().params().size();
  return m;
}

// Whether the engine, as built and on this CPU, gives every one of `rows` (n, maxlen) the
// same probabilities to the bit in batches of several sizes as alone.
bool same_bits_in_batches(const Classifier& c, const std::vector<int32_t>& rows, size_t n) {
  const size_t T = c.preprocessing().maxlen, K = c.num_classes();
  ThreadPool pool(1);
  std::vector<uint32_t> alone;
  for (size_t r = 0; r < n; ++r) {
    const std::vector<int32_t> row(rows.begin() + static_cast<ptrdiff_t>(r * T),
                                   rows.begin() + static_cast<ptrdiff_t>((r + 1) * T));
    for (const float p : c.predict_proba_encoded(row, pool))
      alone.push_back(std::bit_cast<uint32_t>(p));
  }
  // Batches that start at several offsets and end inside and at the edge of a shard.
  for (const auto& [first, count] :
       {std::pair<size_t, size_t>{0, n}, {1, 2}, {3, 5}, {7, 33}, {2, 31}}) {
    if (first + count > n) continue;
    const std::vector<int32_t> batch(rows.begin() + static_cast<ptrdiff_t>(first * T),
                                     rows.begin() + static_cast<ptrdiff_t>((first + count) * T));
    const std::vector<float> p = c.predict_proba_encoded(batch, pool);
    for (size_t k = 0; k < count * K; ++k)
      if (std::bit_cast<uint32_t>(p[k]) != alone[first * K + k]) return false;
  }
  return true;
}

// Whether a row's probabilities are the same to the bit whatever other rows share its batch,
// so that the server may combine requests. Measured (tests/serve/batching_test.cc): in the
// Release build, true for one LSTM layer, either direction, masked or not, with the input
// projection looked up in tables, since only the recurrent step then sees the batch. GRU and
// SimpleRNN layers, stacked layers (whose input projection is a GEMM over all rows) and
// models without tables differ in the last bits, and so does the LSTM step as sanitizer
// builds compile it; hence the shape rule and, for the shapes it admits, a check of 64
// seeded random rows at start.
bool rows_independent_of_batch(const Classifier& c) {
  const ModelConfig& cfg = c.model().config();
  if (cfg.layers.size() != 1 || cfg.layers[0].cell != CellType::kLstm || cfg.ngrams.enabled() ||
      !c.uses_projection_tables())
    return false;
  constexpr size_t kProbeRows = 64;
  const Preprocessing& pre = c.preprocessing();
  const auto words = static_cast<uint64_t>(c.vocabulary().num_words());
  std::vector<int32_t> rows(kProbeRows * pre.maxlen);
  std::vector<int32_t> seq;
  Rng rng(1);
  for (size_t r = 0; r < kProbeRows; ++r) {
    seq.resize(1 + (r * 37) % (pre.maxlen + pre.maxlen / 2));  // some longer than maxlen
    // Out-of-vocabulary (2) and vocabulary indices.
    for (int32_t& t : seq) t = static_cast<int32_t>(2 + rng.next_u64() % (words - 2));
    data::pad_row(seq, pre.padding, pre.truncating, data::kPadIndex,
                  std::span<int32_t>(rows.data() + r * pre.maxlen, pre.maxlen));
  }
  return same_bits_in_batches(c, rows, kProbeRows);
}

ApiLimits effective(ApiLimits limits, const Classifier& c) {
  if (limits.max_batch > 1 && !rows_independent_of_batch(c)) limits.max_batch = 1;
  return limits;
}

std::string build_metadata(const Classifier& c, const ApiLimits& limits) {
  const Preprocessing& pre = c.preprocessing();
  const auto pad = [](data::PadMode m) { return m == data::PadMode::kPost ? "post" : "pre"; };
  const OrderedJson j = {{"model", model_metadata(c)},
                         {"vocabulary_size", c.vocabulary().num_words()},
                         {"words_in_vocabulary", c.vocabulary().words().size()},
                         {"maxlen", pre.maxlen},
                         {"preprocessing",
                          {{"tokenizer", kTokenizerName},
                           {"num_words", c.vocabulary().num_words()},
                           {"maxlen", pre.maxlen},
                           {"padding", pad(pre.padding)},
                           {"truncating", pad(pre.truncating)}}},
                         {"labels", c.labels()},
                         {"training", parse_or_null(c.training_json)},
                         {"metrics", parse_or_null(c.metrics_json)},
                         {"limits",
                          {{"max_body_bytes", limits.max_body_bytes},
                           {"max_texts", limits.max_texts},
                           {"max_batch", limits.max_batch},
                           {"batch_wait_us", limits.batch_wait_us},
                           {"max_queue", limits.max_queue}}}};
  return dump(j);
}

// f() with every failure mapped to its answer, so that no request can take the server down.
template <typename F>
ApiResponse guarded(F&& f) {
  try {
    return f();
  } catch (const BadRequest& e) {
    return {e.status, error_body(e.message), ""};
  } catch (const Error& e) {
    // The classifier's own input checks (e.g. a text over its size limit).
    return {400, error_body(e.what()), ""};
  } catch (const std::bad_alloc&) {
    return {503, error_body("out of memory: try fewer or shorter texts"), ""};
  } catch (const std::exception& e) {
    return {500, error_body(std::string("internal error: ") + e.what()), ""};
  } catch (...) {
    return {500, error_body("internal error"), ""};
  }
}

}  // namespace

std::string error_body(std::string_view message) {
  return dump(OrderedJson{{"error", std::string(message)}});
}

Api::Api(const Classifier& classifier, ApiLimits limits)
    : classifier_(classifier),
      limits_(effective(limits, classifier)),
      metadata_(build_metadata(classifier, limits_)) {}

ApiResponse Api::handle(std::string_view method, std::string_view path,
                        std::string_view body) const {
  return guarded([&]() -> ApiResponse {
    std::string allow;
    for (const Route& r : kRoutes) {
      if (r.path != path) continue;
      // HEAD is GET without a body (the transport drops it).
      if (r.method == method || (r.method == "GET" && method == "HEAD")) {
        if (path == "/health") return ok(R"({"status":"ok"})");
        if (path == "/metadata") return ok(metadata_);
        if (path == "/predict") {
          PreparedPredict p;
          prepare(body, p);
          return answer_predict(p, probabilities(p.rows));
        }
        return explain(body);
      }
      allow = r.method == "GET" ? "GET, HEAD" : std::string(r.method);
    }
    if (!allow.empty())
      return {405,
              error_body("method " + std::string(method) + " is not allowed on " +
                         std::string(path) + ", expected " + allow),
              allow};
    return {404, error_body("no route " + std::string(path) + "; routes: " + kRouteList), ""};
  });
}

std::optional<ApiResponse> Api::prepare_predict(std::string_view body, PreparedPredict& out) const {
  std::optional<ApiResponse> error;
  const ApiResponse r = guarded([&] {
    prepare(body, out);
    return ApiResponse{};
  });
  if (r.status != 200) error = r;
  return error;
}

void Api::prepare(std::string_view body, PreparedPredict& out) const {
  const Json j = parse_object(body, R"({"text": "..."} or {"texts": ["...", ...]})");
  const auto text = j.find("text"), texts = j.find("texts");
  if ((text == j.end()) == (texts == j.end()))
    throw BadRequest{
        400, text == j.end()
                 ? R"(missing field: expected "text" (a string) or "texts" (an array of strings))"
                 : R"(got both "text" and "texts", expected exactly one)"};
  std::vector<std::string_view> views;
  if (text != j.end()) {
    views.push_back(text_field(*text, "\"text\""));
  } else {
    if (!texts->is_array())
      throw BadRequest{400, std::string("field \"texts\": got ") + texts->type_name() +
                                ", expected an array of strings"};
    if (texts->empty())
      throw BadRequest{400, "field \"texts\" is empty: expected 1 to " +
                                std::to_string(limits_.max_texts) + " strings"};
    if (texts->size() > limits_.max_texts)
      throw BadRequest{413, "field \"texts\" has " + std::to_string(texts->size()) +
                                " strings, over the limit of " + std::to_string(limits_.max_texts)};
    for (size_t k = 0; k < texts->size(); ++k)
      views.push_back(text_field((*texts)[k], "\"texts\"[" + std::to_string(k) + "]"));
  }
  out.rows = classifier_.encode(views);
  out.texts = views.size();
  out.single = text != j.end();
}

std::vector<float> Api::probabilities(const std::vector<int32_t>& rows) const {
  // One thread per call: the server's own threads run batches in parallel, and a pool of
  // size 1 starts no thread, so it is free to make per call.
  ThreadPool pool(1);
  return classifier_.predict_proba_encoded(rows, pool);
}

ApiResponse Api::answer_predict(const PreparedPredict& p, std::span<const float> probs) const {
  return guarded([&] {
    const size_t K = classifier_.num_classes();
    OrderedJson out;
    if (p.single) out = prediction(classifier_, probs.subspan(0, K));
    OrderedJson& list = out["predictions"] = OrderedJson::array();
    for (size_t k = 0; k < p.texts; ++k)
      list.push_back(prediction(classifier_, probs.subspan(k * K, K)));
    return ok(dump(out));
  });
}

ApiResponse Api::explain(std::string_view body) const {
  const Json j = parse_object(body, R"({"text": "..."})");
  const auto text = j.find("text");
  if (text == j.end()) throw BadRequest{400, R"(missing field: expected "text" (a string))"};
  const std::string_view t = text_field(*text, "\"text\"");
  ThreadPool pool(1);
  return ok(render_json(sentiment::explain(classifier_, t, pool)));
}

}  // namespace sentiment::serve
