#pragma once
// One backend's renders written to a folder, so two determinism classes on two machines (a GPU
// worker and a CPU validator) can be compared without either machine running both:
//   renders.tsv     "# class <determinism class>\tmodel <model id>", then one job a line:
//                   job, prompt, seed, sampler, steps, guidance, width, height, latent C, h, w
//   <job>.latents   x_0 .. x_N as little-endian f32, N + 1 latents of C*h*w values
//   <job>.rgb       the image's pixels (height rows of width * 3 bytes)
// A replay folder (record_renders --replay-of) has the same renders.tsv (its own class line) and,
// per job of the worker's folder, <job>.replayed (x̂_1 .. x̂_N: each step replayed from the
// worker's x_t) and <job>.decoded.rgb (the worker's x_N decoded).
#include <cstdint>
#include <string>
#include <vector>

#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid::bench {

struct RecordedJob {
  std::string name;  // file stem: "j0007"
  GenerationSpec spec;
  Shape latent_shape;  // [1, C, h, w]
};

struct RecordFolder {
  std::string dir;
  std::string determinism_class;
  std::string model_id;
  std::vector<RecordedJob> jobs;
};

Result<void> write_index(const RecordFolder& folder);
Result<RecordFolder> read_index(const std::string& dir);

// N latents of `shape` written back to back / read back (the count checked against the size).
Result<void> write_latents(const std::string& path, const std::vector<Tensor>& latents);
Result<std::vector<Tensor>> read_latents(const std::string& path, const Shape& shape);
Result<void> write_pixels(const std::string& path, const RgbImage& image);
Result<RgbImage> read_pixels(const std::string& path, int width, int height);

}  // namespace seedgrid::bench
