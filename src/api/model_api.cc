// The public Model: loading, saving, metadata, prediction and explanation over the internal
// Classifier, with one shared thread pool per model.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/model_impl.h"

namespace sentiment {
inline namespace abi0 {
namespace {

// Runs fn(pool) on the model's pool, or on a one-thread pool (no extra threads) when another
// call holds it, so concurrent callers never wait for each other.
template <typename Fn>
auto with_pool(Model::Impl& impl, Fn fn) {
  std::unique_lock<std::mutex> lock(impl.pool_mutex, std::try_to_lock);
  if (lock.owns_lock()) return fn(impl.pool);
  ThreadPool solo(1);
  return fn(solo);
}

nlohmann::json parse_or_null(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

// The internal explanation of a public one, for the renderers.
internal::Explanation to_internal(const Explanation& e) {
  internal::Explanation out;
  out.probability = e.probability;
  out.label = e.label;
  for (size_t k = 0; k < 2 && k < e.labels.size(); ++k) out.labels[k] = e.labels[k];
  for (const WordContribution& w : e.words)
    out.words.push_back({w.word, w.index, w.truncated, w.contribution});
  return out;
}

}  // namespace

const char* version() {
  return SENTIMENT_VERSION_STRING;
}

std::string to_json(const Explanation& explanation) {
  return render_json(to_internal(explanation));
}

std::string to_html(const Explanation& explanation, std::string_view title) {
  return render_html(to_internal(explanation), title);
}

Model::Impl::Impl(Classifier c, size_t threads) : classifier(std::move(c)), pool(threads) {
  kernels::gemm_use_single_thread();
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& path, const LoadOptions& options) {
  return Model(std::make_unique<Impl>(load_model(path), options.threads));
}

void Model::save(const std::string& path) const {
  save_model(path, impl_->classifier);
}

const std::vector<std::string>& Model::labels() const {
  return impl_->classifier.labels();
}
size_t Model::num_classes() const {
  return impl_->classifier.num_classes();
}
size_t Model::max_length() const {
  return impl_->classifier.preprocessing().maxlen;
}
size_t Model::vocabulary_size() const {
  return impl_->classifier.model().config().vocab_size;
}
std::string Model::architecture() const {
  return describe(impl_->classifier.model().config());
}

std::string Model::metadata_json() const {
  const Classifier& c = impl_->classifier;
  const nlohmann::json j = {{"training", parse_or_null(c.training_json)},
                            {"metrics", parse_or_null(c.metrics_json)}};
  return j.dump();
}

std::vector<float> Model::predict_proba(const std::string_view* texts, size_t count) const {
  if (count == 0) return {};
  if (texts == nullptr) throw Error("predict: texts is null but count is " + std::to_string(count));
  const std::span<const std::string_view> all(texts, count);
  return with_pool(*impl_,
                   [&](ThreadPool& pool) { return impl_->classifier.predict_proba(all, pool); });
}

std::vector<float> Model::predict_proba(const std::vector<std::string>& texts) const {
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  return predict_proba(views.data(), views.size());
}

std::vector<Prediction> Model::predict(const std::string_view* texts, size_t count) const {
  const std::vector<float> proba = predict_proba(texts, count);
  const Classifier& c = impl_->classifier;
  const size_t K = c.num_classes();
  std::vector<Prediction> out(count);
  for (size_t n = 0; n < count; ++n) {
    const std::span<const float> row(proba.data() + n * K, K);
    // Binary: the second label above 0.5, exactly as Classifier::label_for.
    const size_t k = c.binary() ? (row[1] > 0.5f ? 1 : 0) : Classifier::top_class(row);
    out[n] = {c.labels()[k], k, row[k]};
  }
  return out;
}

std::vector<Prediction> Model::predict(const std::vector<std::string>& texts) const {
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  return predict(views.data(), views.size());
}

Explanation Model::explain(std::string_view text) const {
  const Classifier& c = impl_->classifier;
  const internal::Explanation e =
      with_pool(*impl_, [&](ThreadPool& pool) { return sentiment::explain(c, text, pool); });
  Explanation out;
  out.label = e.label;
  out.probability = e.probability;
  out.labels = {e.labels[0], e.labels[1]};
  for (const WordScore& w : e.words)
    out.words.push_back({w.word, w.index, w.index != data::kOovIndex, w.truncated, w.contribution});
  return out;
}

}  // namespace abi0
}  // namespace sentiment
