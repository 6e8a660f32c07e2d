#include "bench/gpu_render/bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace seedgrid::bench {

Timing summarize(std::vector<double> samples_ms) {
  Timing t;
  if (samples_ms.empty()) return t;
  std::sort(samples_ms.begin(), samples_ms.end());
  const std::size_t n = samples_ms.size();
  t.median_ms = n % 2 == 1 ? samples_ms[n / 2] : 0.5 * (samples_ms[n / 2 - 1] + samples_ms[n / 2]);
  t.min_ms = samples_ms.front();
  t.max_ms = samples_ms.back();
  t.samples = static_cast<int>(n);
  return t;
}

double Run::gemm_peak_tflops() const {
  double peak = 0;
  for (const auto& g : gemm) peak = std::max(peak, g.tflops);
  return peak;
}

namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string optional_cell(const std::optional<double>& v, const char* fmt) {
  return v ? format(fmt, *v) : std::string("-");
}

// JSON string with the escapes a path or device name can need.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Finite numbers with enough digits to recompute ratios; NaN/inf (never expected) become null.
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string optional_number(const std::optional<double>& v) { return v ? number(*v) : "null"; }

std::string timing_fields(const Timing& t) {
  return "\"median_ms\": " + number(t.median_ms) + ", \"min_ms\": " + number(t.min_ms) +
         ", \"max_ms\": " + number(t.max_ms) + ", \"samples\": " + std::to_string(t.samples);
}

}  // namespace

std::string format_table(const Run& run) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%s on %s (%s, %s), %s, %dx%d, %d-token context, %d steps\n",
                run.impl.c_str(), run.device.c_str(), run.backend.c_str(), run.precision.c_str(),
                run.determinism_class.c_str(), run.size, run.size, run.context_tokens, run.steps);
  out += line;
  std::snprintf(line, sizeof line, "UNet %.4g GFLOP per image (analytic); median of %d after %d warm-up\n",
                run.unet_gflop_per_image, run.iters, run.warmup);
  out += line;
  out += "| row | batch | median ms | min ms | max ms | TFLOP/s | % GEMM peak | images/s |\n";
  out += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& g : run.gemm) {
    std::snprintf(line, sizeof line, "| gemm %ld^3 | - | %.3f | %.3f | %.3f | %.3g | - | - |\n", g.n,
                  g.timing.median_ms, g.timing.min_ms, g.timing.max_ms, g.tflops);
    out += line;
  }
  for (const auto& r : run.rows) {
    std::snprintf(line, sizeof line, "| %s | %d | %.3f | %.3f | %.3f | %s | %s | %s |\n",
                  r.name.c_str(), r.batch, r.timing.median_ms, r.timing.min_ms, r.timing.max_ms,
                  optional_cell(r.tflops, "%.3g").c_str(),
                  optional_cell(r.pct_of_gemm_peak, "%.3g").c_str(),
                  optional_cell(r.images_per_s, "%.3g").c_str());
    out += line;
  }
  for (const auto& e : run.errors) out += "FAILED: " + e + "\n";
  return out;
}

std::string to_json(const Run& run) {
  std::string j = "{\"schema\": \"seedgrid.gpu_bench/1\", \"runs\": [{\n";
  j += "  \"impl\": " + quoted(run.impl) + ", \"backend\": " + quoted(run.backend) +
       ", \"device\": " + quoted(run.device) + ", \"precision\": " + quoted(run.precision) + ",\n";
  j += "  \"determinism_class\": " + quoted(run.determinism_class) +
       ", \"model\": " + quoted(run.model) + ",\n";
  j += "  \"size\": " + std::to_string(run.size) +
       ", \"context_tokens\": " + std::to_string(run.context_tokens) +
       ", \"steps\": " + std::to_string(run.steps) + ", \"warmup\": " + std::to_string(run.warmup) +
       ", \"iters\": " + std::to_string(run.iters) +
       ", \"unet_gflop_per_image\": " + number(run.unet_gflop_per_image) + ",\n";
  j += "  \"gemm\": [";
  for (std::size_t i = 0; i < run.gemm.size(); ++i) {
    const auto& g = run.gemm[i];
    j += std::string(i ? ", " : "") + "{\"n\": " + std::to_string(g.n) + ", " +
         timing_fields(g.timing) + ", \"tflops\": " + number(g.tflops) + "}";
  }
  j += "],\n  \"gemm_peak_tflops\": " +
       (run.gemm.empty() ? std::string("null") : number(run.gemm_peak_tflops())) + ",\n";
  j += "  \"rows\": [";
  for (std::size_t i = 0; i < run.rows.size(); ++i) {
    const auto& r = run.rows[i];
    j += std::string(i ? ",\n    " : "\n    ") + "{\"name\": " + quoted(r.name) +
         ", \"batch\": " + std::to_string(r.batch) + ", " + timing_fields(r.timing) +
         ", \"tflops\": " + optional_number(r.tflops) +
         ", \"pct_of_gemm_peak\": " + optional_number(r.pct_of_gemm_peak) +
         ", \"images_per_s\": " + optional_number(r.images_per_s) + "}";
  }
  j += "],\n  \"errors\": [";
  for (std::size_t i = 0; i < run.errors.size(); ++i)
    j += std::string(i ? ", " : "") + quoted(run.errors[i]);
  j += "]\n}]}\n";
  return j;
}

}  // namespace seedgrid::bench
