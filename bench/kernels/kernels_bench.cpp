// Prints GFLOP/s of the CPU GEMM, conv2d and attention kernels on shapes from Stable Diffusion,
// with 1 thread and with `--threads N` (default: hardware concurrency).
//   kernels_bench [--threads N] [--quick]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace {

using seedgrid::kernels::cpu::i64;
namespace cpu = seedgrid::kernels::cpu;

std::vector<float> filled(i64 n, float phase) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (i64 i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = 0.001f * static_cast<float>((i * 7 + 3) % 997) - phase;
  return v;
}

// Best of a few runs of at least ~0.3 s in total, in GFLOP/s.
double measure(double flops, const std::function<void()>& body) {
  body();  // warm up (scratch buffers, pool threads)
  double best = 1e30;
  double total = 0;
  int runs = 0;
  while (runs < 3 || (total < 0.3 && runs < 50)) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
    ++runs;
  }
  return flops / best * 1e-9;
}

void report(const char* name, double flops, const std::function<void()>& body, int threads) {
  cpu::set_thread_count(1);
  const double one = measure(flops, body);
  cpu::set_thread_count(threads);
  const double many = measure(flops, body);
  std::printf("%-44s %8.2f GFLOP/s (1 thread) %8.2f GFLOP/s (%d threads)\n", name, one, many,
              threads);
  std::fflush(stdout);
}

void bench_linear(i64 m, i64 n, i64 k, int threads) {
  const auto x = filled(m * k, 0.4f), w = filled(n * k, 0.5f), b = filled(n, 0.1f);
  std::vector<float> y(static_cast<std::size_t>(m * n));
  char name[96];
  std::snprintf(name, sizeof name, "linear  M=%lld N=%lld K=%lld", static_cast<long long>(m),
                static_cast<long long>(n), static_cast<long long>(k));
  report(
      name, 2.0 * m * n * k, [&] { cpu::linear(x.data(), m, k, w.data(), n, b.data(), y.data()); },
      threads);
}

void bench_conv(i64 c_in, i64 c_out, i64 hw, i64 kernel, i64 stride, int threads) {
  cpu::ConvShape s;
  s.batch = 1, s.in_channels = c_in, s.height = hw, s.width = hw, s.out_channels = c_out;
  s.kernel_h = s.kernel_w = kernel, s.stride = stride;
  s.pad_begin = s.pad_end = kernel / 2;
  const auto x = filled(c_in * hw * hw, 0.4f), w = filled(c_out * c_in * kernel * kernel, 0.5f);
  const auto b = filled(c_out, 0.1f);
  std::vector<float> y(static_cast<std::size_t>(c_out * s.out_height() * s.out_width()));
  char name[96];
  std::snprintf(name, sizeof name, "conv2d  %lldx%lld s%lld %lld->%lld @%lldx%lld",
                static_cast<long long>(kernel), static_cast<long long>(kernel),
                static_cast<long long>(stride), static_cast<long long>(c_in),
                static_cast<long long>(c_out), static_cast<long long>(hw),
                static_cast<long long>(hw));
  const double flops = 2.0 * c_out * s.out_height() * s.out_width() * c_in * kernel * kernel;
  report(
      name, flops, [&] { cpu::conv2d(s, x.data(), w.data(), b.data(), y.data()); }, threads);
}

void bench_attention(i64 lq, i64 lk, i64 channels, i64 heads, int threads) {
  const auto q = filled(lq * channels, 0.4f), k = filled(lk * channels, 0.5f);
  const auto v = filled(lk * channels, 0.3f);
  std::vector<float> out(static_cast<std::size_t>(lq * channels));
  char name[96];
  std::snprintf(name, sizeof name, "attention Lq=%lld Lk=%lld C=%lld heads=%lld",
                static_cast<long long>(lq), static_cast<long long>(lk),
                static_cast<long long>(channels), static_cast<long long>(heads));
  report(
      name, 4.0 * lq * lk * channels,
      [&] {
        cpu::attention(q.data(), k.data(), v.data(), out.data(), 1, lq, lk, channels, heads, false);
      },
      threads);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: kernels_bench [--threads N] [--quick]\n");
      return 2;
    }
  }
  std::printf("SD 1.5 at 512x512 (64x64 latents, 4096 tokens, first level)\n");
  bench_linear(4096, 320, 2880, threads);  // the 3x3 conv's im2col GEMM shape
  bench_linear(4096, 320, 320, threads);   // attention projections
  bench_linear(4096, 2560, 320, threads);  // GEGLU projection
  if (!quick) {
    bench_linear(4096, 320, 1280, threads);  // feed-forward output
    bench_linear(77, 768, 768, threads);     // CLIP ViT-L layer
    bench_linear(2, 1280, 320, threads);     // time embedding
  }
  bench_conv(320, 320, 64, 3, 1, threads);
  bench_conv(320, 320, 64, 1, 1, threads);
  if (!quick) bench_conv(320, 320, 64, 3, 2, threads);
  bench_attention(4096, 4096, 320, 8, threads);
  bench_attention(4096, 77, 320, 8, threads);
  std::printf("small preset shapes (16x16 latents, 256 tokens)\n");
  bench_conv(64, 64, 16, 3, 1, threads);
  bench_conv(128, 128, 8, 3, 1, threads);
  bench_linear(256, 64, 64, threads);
  bench_linear(256, 512, 64, threads);
  bench_attention(256, 256, 64, 2, threads);
  if (!quick) {
    bench_conv(128, 128, 128, 3, 1, threads);  // VAE decoder at 128x128 pixels
    bench_conv(4, 64, 16, 3, 1, threads);      // conv_in
    bench_conv(64, 4, 16, 3, 1, threads);      // conv_out
  }
  return 0;
}
