#include "bench/gpu_render/bench_report.hpp"

#include <gtest/gtest.h>

namespace seedgrid::bench {
namespace {

TEST(BenchReport, MedianOfOddAndEvenSampleCounts) {
  const Timing odd = summarize({5, 1, 3});
  EXPECT_DOUBLE_EQ(odd.median_ms, 3);
  EXPECT_DOUBLE_EQ(odd.min_ms, 1);
  EXPECT_DOUBLE_EQ(odd.max_ms, 5);
  EXPECT_EQ(odd.samples, 3);
  EXPECT_DOUBLE_EQ(summarize({4, 1, 3, 2}).median_ms, 2.5);
  EXPECT_EQ(summarize({}).samples, 0);
}

Run sample_run() {
  Run run;
  run.backend = "cuda";
  run.device = "GPU \"quoted\"";
  run.gemm = {{1024, summarize({1.0}), 2.0}, {2048, summarize({4.0}), 4.5}};
  Row step{"unet_step_b2", 2, summarize({10, 12, 11}), 80.0, 80.0 / 4.5 * 100, std::nullopt};
  Row e2e{"e2e_b1", 1, summarize({500}), std::nullopt, std::nullopt, 2.0};
  run.rows = {step, e2e};
  run.errors = {"vae: out of memory"};
  return run;
}

TEST(BenchReport, PeakIsTheFastestGemm) { EXPECT_DOUBLE_EQ(sample_run().gemm_peak_tflops(), 4.5); }

TEST(BenchReport, JsonCarriesTheSharedSchemaNullsAndEscapes) {
  const std::string j = to_json(sample_run());
  EXPECT_NE(j.find("\"schema\": \"seedgrid.gpu_bench/1\""), std::string::npos);
  EXPECT_NE(j.find("\"device\": \"GPU \\\"quoted\\\"\""), std::string::npos);
  EXPECT_NE(j.find("\"gemm_peak_tflops\": 4.5"), std::string::npos);
  EXPECT_NE(j.find("\"name\": \"e2e_b1\", \"batch\": 1, \"median_ms\": 500"), std::string::npos);
  EXPECT_NE(j.find("\"tflops\": null, \"pct_of_gemm_peak\": null, \"images_per_s\": 2"),
            std::string::npos);
  EXPECT_NE(j.find("\"errors\": [\"vae: out of memory\"]"), std::string::npos);
}

TEST(BenchReport, TableHasOneLinePerRowAndNamesFailures) {
  const std::string t = format_table(sample_run());
  EXPECT_NE(t.find("| gemm 2048^3 | - | 4.000 |"), std::string::npos);
  EXPECT_NE(t.find("| unet_step_b2 | 2 | 11.000 | 10.000 | 12.000 | 80 | 1.78e+03 | - |"),
            std::string::npos);
  EXPECT_NE(t.find("| e2e_b1 | 1 | 500.000 |"), std::string::npos);
  EXPECT_NE(t.find("FAILED: vae: out of memory"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::bench
