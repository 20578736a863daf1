// Seeded pseudo-random numbers. Every random choice in the project (initialisation,
// shuffling, sampling) goes through an explicit Rng object so that runs are reproducible
// bit for bit across platforms: the generator (xoshiro256**, seeded by splitmix64) and every
// derived distribution are defined here, never taken from <random>, whose distributions are
// implementation-defined.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace sentiment {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next_u64();
  // Uniform integer in [0, n), unbiased (rejection sampling); n must be > 0.
  uint64_t below(uint64_t n);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform01();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  // Standard normal (Box-Muller, both values used).
  double normal();

  // Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  // The generator's whole state, for checkpoints: restoring it continues the same stream.
  struct State {
    std::array<uint64_t, 4> words{};
    double spare_normal = 0.0;
    bool has_spare = false;
  };
  State state() const { return {{s_[0], s_[1], s_[2], s_[3]}, spare_normal_, has_spare_}; }
  void set_state(const State& state) {
    for (size_t k = 0; k < 4; ++k) s_[k] = state.words[k];
    spare_normal_ = state.spare_normal;
    has_spare_ = state.has_spare;
  }

 private:
  uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace sentiment
