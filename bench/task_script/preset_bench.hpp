#pragma once
// What the task-script benches share: their command-line options, a random-weight preset written
// to a temporary folder and loaded on the CPU backend (removed again when done), and the figures
// they print.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/backend/cpu_backend.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/result.hpp"

namespace seedgrid::bench {

struct BenchOptions {
  std::string preset = "tiny";
  int steps = 20;
  int size = 64;
  int runs = 15;
  int threads = 1;
};

// `--preset P --steps N --size N --runs N --threads N`, each optional; errors name the flag.
Result<BenchOptions> parse_bench_options(int argc, char** argv, BenchOptions defaults);

class BenchModel {
 public:
  static Result<std::unique_ptr<BenchModel>> load(const BenchOptions& options,
                                                  const std::string& bench_name);
  ~BenchModel();
  const Pipeline& pipeline() const { return *pipeline_; }

 private:
  explicit BenchModel(int threads) : backend_(threads) {}
  std::filesystem::path dir_;
  CpuBackend backend_;
  std::optional<Pipeline> pipeline_;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point start);
double median(std::vector<double> v);
double fastest(const std::vector<double>& v);

}  // namespace seedgrid::bench
