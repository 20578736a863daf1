// Dropout masks.
#include "layers/dropout.h"

namespace sentiment {

void dropout_mask(std::vector<float>& mask, size_t n, float p, Rng& rng) {
  mask.resize(n);
  const float keep = 1.0f / (1.0f - p);
  for (auto& m : mask) m = rng.uniform01() < static_cast<double>(p) ? 0.0f : keep;
}

}  // namespace sentiment
