#pragma once
// The models a cheating worker runs instead of the one it was asked for: the same checkpoint with
// its weights quantized (the cheap-inference trick), or a smaller UNet. Test builds only
// (cheat.hpp).
#include <cstdint>

#include "models/result.hpp"
#include "models/weights/checkpoint.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid::worker {

// Quantizes every weight of rank >= 2 (convs, linears, embedding tables) per output channel
// (first dimension), symmetric: scale = max|w| / (2^(bits-1) - 1), w' = round(w / scale) * scale,
// stored back as f32. Biases and norm parameters (rank 1) stay as they are, as real int8/int4
// inference keeps them. bits in [2, 16].
Result<void> quantize_weights(WeightSet& weights, int bits);
Result<void> quantize_checkpoint(Checkpoint& checkpoint, int bits);

// Replaces the checkpoint's UNet with one of half the channels per level and one layer per block
// fewer (at least one), random weights from `seed` (models/presets/random_init.hpp). The number of
// levels, latent channels and cross-attention width stay, so it renders the same sizes from the
// same text encoder and decodes with the same VAE.
Result<void> shrink_unet(Checkpoint& checkpoint, std::uint64_t seed);

}  // namespace seedgrid::worker
