#pragma once
// Where `seedgrid render`'s time went, so that a user or a benchmark needs no stopwatch: the model
// load, then for each batch the work before its first sampler step (text encoding, the noise, an
// init image's encoding), each step, and the decode. Read from the steady clock by the command
// around the pipeline's hooks; rendering itself never reads a clock.
#include <chrono>
#include <string>
#include <vector>

namespace seedgrid::cli {

struct BatchTimings {
  int first = 0;  // index of the batch's first image
  int count = 0;
  double before_steps_s = 0;
  std::vector<double> steps_s;
  double decode_s = 0;
  double steps_total_s() const;
};

class RenderTimings {
 public:
  void load_started();
  void load_finished();
  void batch_started(int first, int count);
  void sampling_started();  // the batch's start latent exists
  void step_finished();
  void batch_finished();  // its images are decoded

  double load_s() const { return load_s_; }
  const std::vector<BatchTimings>& batches() const { return batches_; }

 private:
  using Clock = std::chrono::steady_clock;
  double since_mark(Clock::time_point now) const;
  Clock::time_point mark_{};
  double load_s_ = 0;
  std::vector<BatchTimings> batches_;
};

// "before step 1 0.12 s, 20 steps 3.40 s (0.170 s/step), decode 0.52 s"
std::string describe(const BatchTimings& batch);

// The peak resident memory of this process so far, in bytes (getrusage).
long long peak_rss_bytes();

}  // namespace seedgrid::cli
