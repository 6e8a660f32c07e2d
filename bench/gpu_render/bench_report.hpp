#pragma once
// What one benchmark run measured, printed as a table and written as JSON. The JSON schema
// ("seedgrid.gpu_bench/1") is shared with bench/reference/torch_bench.py, so bench/gpu/report.py
// can put our kernels and PyTorch's side by side:
//   {"schema": "seedgrid.gpu_bench/1", "runs": [run, ...]}
//   run  = {"impl", "backend", "device", "precision", "determinism_class", "model", "size",
//           "context_tokens", "steps", "warmup", "iters", "unet_gflop_per_image",
//           "gemm": [{"n", "median_ms", "tflops"}], "gemm_peak_tflops",
//           "rows": [row, ...], "errors": ["message", ...]}
//   row  = {"name", "batch", "median_ms", "min_ms", "max_ms", "samples", "tflops" (UNet rows),
//           "pct_of_gemm_peak" (UNet rows), "images_per_s" (end-to-end rows)}
// A value that does not apply is null.
#include <optional>
#include <string>
#include <vector>

namespace seedgrid::bench {

struct Timing {
  double median_ms = 0, min_ms = 0, max_ms = 0;
  int samples = 0;
};
// Median, min and max of the samples (which it sorts).
Timing summarize(std::vector<double> samples_ms);

struct GemmPoint {
  long n = 0;  // square n x n x n, fp16 on cuda, f32 on cpu
  Timing timing;
  double tflops = 0;
};

struct Row {
  std::string name;  // unet_step_b2, unet_b16, vae_decode_b1, e2e_b1, e2e_b<N>
  int batch = 0;
  Timing timing;
  std::optional<double> tflops;
  std::optional<double> pct_of_gemm_peak;
  std::optional<double> images_per_s;
};

struct Run {
  std::string impl = "seedgrid";
  std::string backend, device, precision, determinism_class, model;
  int size = 0, context_tokens = 0, steps = 0, warmup = 0, iters = 0;
  double unet_gflop_per_image = 0;
  std::vector<GemmPoint> gemm;
  std::vector<Row> rows;
  std::vector<std::string> errors;  // a failed row names itself here and the run goes on
  double gemm_peak_tflops() const;
};

// The table the bench prints last (so the device tool's output tail carries it).
std::string format_table(const Run& run);
std::string to_json(const Run& run);

}  // namespace seedgrid::bench
