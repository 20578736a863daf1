// Last-state, max and mean pooling over packed rows, forward and backward.
#include "layers/pooling.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace sentiment {
namespace {

// Runs the pooling's parts, each writing its block of feature columns from col0 on.
template <typename Last, typename Max, typename Mean>
void apply_pooling(Pooling pooling, size_t W, Last&& last, Max&& max, Mean&& mean) {
  switch (pooling) {
    case Pooling::kLast:
      last(0);
      break;
    case Pooling::kMax:
      max(0);
      break;
    case Pooling::kMean:
      mean(0);
      break;
    case Pooling::kMaxMean:
      max(0);
      mean(W);
      break;
  }
}

}  // namespace

const char* to_string(Pooling pooling) {
  switch (pooling) {
    case Pooling::kLast:
      return "last";
    case Pooling::kMax:
      return "max";
    case Pooling::kMean:
      return "mean";
    case Pooling::kMaxMean:
      return "max_mean";
  }
  return "?";
}

Pooling parse_pooling(std::string_view name) {
  if (name == "last") return Pooling::kLast;
  if (name == "max") return Pooling::kMax;
  if (name == "mean") return Pooling::kMean;
  if (name == "max_mean") return Pooling::kMaxMean;
  throw Error("unknown pooling '" + std::string(name) + "', expected last, max, mean or max_mean");
}

template <typename F>
void pooling_forward(std::vector<F>& features, std::vector<uint32_t>& argmax, const F* y,
                     const PackedBatch& c, Pooling pooling, size_t W, size_t H,
                     bool bidirectional) {
  const size_t Fw = pooling_features(pooling, W), B = c.B;
  features.assign(B * Fw, F(0));
  auto last = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j) {
      const F* fwd = y + (c.offsets[c.lengths[j] - 1] + j) * W;
      std::copy_n(fwd, H, features.data() + j * Fw + col0);
      if (bidirectional) std::copy_n(y + j * W + H, H, features.data() + j * Fw + col0 + H);
    }
  };
  auto max = [&](size_t col0) {
    argmax.assign(B * W, 0);
    for (size_t j = 0; j < c.active; ++j) {
      F* f = features.data() + j * Fw + col0;
      uint32_t* a = argmax.data() + j * W;
      std::copy_n(y + j * W, W, f);  // step 0's row j is packed row j
      std::fill_n(a, W, static_cast<uint32_t>(j));
    }
    for (size_t t = 1; t < c.steps; ++t)
      for (size_t j = 0; j < c.batch_sizes[t]; ++j) {
        const size_t p = c.offsets[t] + j;
        const F* row = y + p * W;
        F* f = features.data() + j * Fw + col0;
        uint32_t* a = argmax.data() + j * W;
        for (size_t k = 0; k < W; ++k)
          if (row[k] > f[k]) f[k] = row[k], a[k] = static_cast<uint32_t>(p);
      }
  };
  auto mean = [&](size_t col0) {
    c.for_each([&](size_t p, size_t j) {
      const F* row = y + p * W;
      F* f = features.data() + j * Fw + col0;
      for (size_t k = 0; k < W; ++k) f[k] += row[k];
    });
    for (size_t j = 0; j < c.active; ++j) {
      const F inv = F(1) / static_cast<F>(c.lengths[j]);
      F* f = features.data() + j * Fw + col0;
      for (size_t k = 0; k < W; ++k) f[k] *= inv;
    }
  };
  apply_pooling(pooling, W, last, max, mean);
}

template <typename F>
void pooling_backward(F* dy, const F* df, const std::vector<uint32_t>& argmax, const PackedBatch& c,
                      Pooling pooling, size_t W, size_t H, bool bidirectional) {
  const size_t Fw = pooling_features(pooling, W);
  auto last = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j) {
      F* fwd = dy + (c.offsets[c.lengths[j] - 1] + j) * W;
      for (size_t k = 0; k < H; ++k) fwd[k] += df[j * Fw + col0 + k];
      if (bidirectional)
        for (size_t k = 0; k < H; ++k) dy[j * W + H + k] += df[j * Fw + col0 + H + k];
    }
  };
  auto max = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j)
      for (size_t k = 0; k < W; ++k) dy[argmax[j * W + k] * W + k] += df[j * Fw + col0 + k];
  };
  auto mean = [&](size_t col0) {
    c.for_each([&](size_t p, size_t j) {
      const F inv = F(1) / static_cast<F>(c.lengths[j]);
      F* row = dy + p * W;
      for (size_t k = 0; k < W; ++k) row[k] += df[j * Fw + col0 + k] * inv;
    });
  };
  apply_pooling(pooling, W, last, max, mean);
}

#define SENTIMENT_INSTANTIATE(F)                                                       \
  template void pooling_forward<F>(std::vector<F>&, std::vector<uint32_t>&, const F*,  \
                                   const PackedBatch&, Pooling, size_t, size_t, bool); \
  template void pooling_backward<F>(F*, const F*, const std::vector<uint32_t>&,        \
                                    const PackedBatch&, Pooling, size_t, size_t, bool);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment
