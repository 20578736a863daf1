// Terminal progress for fit(). Redraws are throttled to 10 per second so printing never
// shows up in the step time.
#include "train/progress.h"

#include <string>

namespace sentiment {
namespace {

std::string format_eta(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

}  // namespace

void ProgressPrinter::epoch_begin(int epoch, int epochs, size_t /*steps*/) {
  std::fprintf(out_, "Epoch %d/%d\n", epoch, epochs);
  std::fflush(out_);
  epoch_start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressPrinter::batch_end(size_t step, size_t steps, double loss, double accuracy) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (step < steps && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const double per_step = elapsed / static_cast<double>(step);
  constexpr size_t kWidth = 30;
  std::string bar(kWidth, '.');
  const size_t filled = step * kWidth / steps;
  for (size_t k = 0; k < filled; ++k) bar[k] = '=';
  if (filled < kWidth) bar[filled] = '>';
  const int digits = static_cast<int>(std::to_string(steps).size());
  std::fprintf(out_, "\r%*zu/%zu [%s] - ETA: %s - %.0fms/step - loss: %.4f - accuracy: %.4f\033[K",
               digits, step, steps, bar.c_str(),
               format_eta(per_step * static_cast<double>(steps - step)).c_str(), per_step * 1e3,
               loss, accuracy);
  std::fflush(out_);
}

void ProgressPrinter::epoch_end(const EpochResult& r) {
  if (live_) std::fprintf(out_, "\n");
  std::fprintf(out_,
               "%zu samples - %.1fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - "
               "val_accuracy: %.4f\n",
               r.train.n, r.seconds, r.train.loss, r.train.accuracy, r.val.loss, r.val.accuracy);
  std::fflush(out_);
}

TrainCallbacks ProgressPrinter::callbacks() {
  TrainCallbacks cb;
  cb.epoch_begin = [this](int e, int n, size_t s) { epoch_begin(e, n, s); };
  cb.batch_end = [this](size_t s, size_t n, double l, double a) { batch_end(s, n, l, a); };
  cb.epoch_end = [this](const EpochResult& r) { epoch_end(r); };
  return cb;
}

}  // namespace sentiment
