// Per-epoch permutations of the training rows and length bucketing.
#include "train/batch_order.h"

#include <algorithm>
#include <numeric>

namespace sentiment {

BatchOrder::BatchOrder(const data::EncodedSplit& data, std::vector<size_t> rows, size_t batch_size,
                       bool bucket_by_length)
    : rows_(std::move(rows)),
      order_(rows_.size()),
      batch_size_(batch_size),
      bucket_(bucket_by_length) {
  if (!bucket_) return;
  const size_t T = data.maxlen;
  lengths_.resize(data.n);
  for (size_t n = 0; n < data.n; ++n)
    lengths_[n] =
        static_cast<size_t>(std::count_if(data.tokens.begin() + static_cast<ptrdiff_t>(n * T),
                                          data.tokens.begin() + static_cast<ptrdiff_t>((n + 1) * T),
                                          [](int32_t v) { return v != 0; }));
}

void BatchOrder::shuffle(Rng& rng) {
  std::copy(rows_.begin(), rows_.end(), order_.begin());
  rng.shuffle(std::span<size_t>(order_));
  if (bucket_) bucket_order(order_, lengths_, batch_size_, rng);
}

std::span<const size_t> BatchOrder::batch(size_t step) const {
  if (step >= steps()) return {};
  const size_t first = step * batch_size_;
  return std::span<const size_t>(order_).subspan(first,
                                                 std::min(batch_size_, order_.size() - first));
}

void bucket_order(std::vector<size_t>& order, const std::vector<size_t>& lengths, size_t batch_size,
                  Rng& rng) {
  const size_t window = batch_size * 32;
  for (size_t start = 0; start < order.size(); start += window) {
    const auto first = order.begin() + static_cast<ptrdiff_t>(start);
    const auto last =
        order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), start + window));
    std::stable_sort(first, last, [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  }
  const size_t batches = (order.size() + batch_size - 1) / batch_size;
  std::vector<size_t> which(batches);
  std::iota(which.begin(), which.end(), size_t{0});
  rng.shuffle(std::span<size_t>(which));
  std::vector<size_t> out;
  out.reserve(order.size());
  for (size_t b : which)
    for (size_t k = b * batch_size; k < std::min(order.size(), (b + 1) * batch_size); ++k)
      out.push_back(order[k]);
  order.swap(out);
}

}  // namespace sentiment
