// The training checkpoint: everything `sentiment train --resume` needs to continue a run
// exactly (weights, Adam moments and step, the shuffling stream, schedule and early-stopping
// state, history) plus the run's resolved configuration, in one checksummed file written
// atomically, so a run killed at any moment leaves the previous epoch's checkpoint intact.
// Layout (little-endian): magic "LSTMCKPT", u32 version, u32 reserved, u64 JSON length and
// the JSON, then u64 float counts and float32 data of params, adam_m, adam_v, best_params,
// then a u32 CRC-32 (zlib) of every byte before it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "train/trainer.h"

namespace sentiment {

inline constexpr uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  TrainState state;
  std::string run_json = "{}";  // the run's resolved configuration (free-form JSON)
};

// Streams the file from the state's views: nothing of the weights is copied or buffered.
void save_checkpoint(const std::filesystem::path& path, const TrainStateView& state,
                     std::string_view run_json);
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// Throws Error naming the file for a missing, truncated, corrupt or newer-version file.
Checkpoint load_checkpoint(const std::filesystem::path& path);

}  // namespace sentiment
