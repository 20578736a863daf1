// The public Model's state (include/sentiment/sentiment.h): the internal classifier and the
// thread pool its calls share, and the internal headers the implementation needs. Shared by
// the public API's implementation files only.
#pragma once

#include <memory>
#include <mutex>

#include "core/thread_pool.h"
#include "explain/explain.h"
#include "io/classifier.h"
#include "io/model_file.h"
#include "kernels/cpu/gemm.h"
#include "model/model.h"
#include "run/run_config.h"
#include "run/training_run.h"

// The public API reuses the names of internal types (Model, Explanation) in an inline
// namespace, which makes the bare names ambiguous in namespace sentiment once it is seen. The
// internal ones are named here first; the public header comes after every internal one, and
// the implementation files include internal headers only through this one.
namespace sentiment::internal {
using Model = ::sentiment::Model;
using Explanation = ::sentiment::Explanation;
}  // namespace sentiment::internal

#include "sentiment/sentiment.h"  // after every internal header (see above)

namespace sentiment {
inline namespace abi0 {

struct Model::Impl {
  Impl(Classifier c, size_t threads);

  Classifier classifier;
  ThreadPool pool;
  // Held by the call using pool; a call that finds it taken runs on its own thread.
  std::mutex pool_mutex;
};

struct ModelAccess {
  static Model make(std::unique_ptr<Model::Impl> impl) { return Model(std::move(impl)); }
  static const Classifier& classifier(const Model& model) { return model.impl_->classifier; }
};

}  // namespace abi0
}  // namespace sentiment
