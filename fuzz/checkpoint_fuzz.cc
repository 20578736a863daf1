// Fuzzes the training checkpoint reader (train/checkpoint.cc) and what `train --resume`
// does with what it read (train/epoch_end.cc: weights, Adam moments, schedule, early
// stopping and best-epoch state, then the best weights put back at the end) on a tiny
// model. The reader takes a path: the input (a mode byte, then the file; see
// fuzz_util.h) goes to a scratch file first. The mode byte's bit 1 picks a plateau schedule
// (else cosine).
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "core/rng.h"
#include "fuzz_util.h"
#include "optim/adam.h"
#include "train/checkpoint.h"
#include "train/epoch_end.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sentiment;
  const auto path = fuzz::write_scratch(fuzz::with_mode_crc(data, size), ".ckpt");
  try {
    const Checkpoint c = load_checkpoint(path);
    Model model(lstm_config(4, 1, 1));  // 18 parameters, as in make_seeds.cc
    TrainConfig config;
    config.epochs = 10;
    config.schedule.kind =
        size > 0 && (data[0] & 2) ? LrSchedule::Kind::kPlateau : LrSchedule::Kind::kCosine;
    config.early_stopping = EarlyStoppingConfig{};
    config.early_stopping->restore_best_weights = true;
    EpochEnd end(config);
    Adam adam(config.adam, model.params().size());
    Rng rng(1);
    end.resume(c.state, model, adam, rng);
    end.on_train_end(model);
  } catch (const Error&) {
  }
  return 0;
}
