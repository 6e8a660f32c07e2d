#pragma once
// What a worker (or validator) renders with: the pipelines of its configured models on one
// backend, plus the instant task type. Plain C++; the render actor runs it on its own thread.
//
// Task types:
//   txt2img  the compute core (models/pipeline): prompt -> image
//   instant  (benchmark tasks only) the pixels are a BLAKE2b keystream of the job spec: no compute,
//            so a benchmark measures what routing, transport and accounting cost per job.
//   scripts  any task script the coordinator registered (protocol::kTaskScripts): the node adds
//            each script by id before its first job (add_script), scripted_job.hpp runs it.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/rgb_image.hpp"

namespace seedgrid {
class Backend;
class Pipeline;
}  // namespace seedgrid

// The test-only cheat zoo (actors/worker/cheats/) plugs into the renderer: a cheating worker
// renders through the same code as an honest one, so the audits see real cheats.
namespace seedgrid::worker {
enum class Cheat : std::uint8_t;
struct CheatKit;
}  // namespace seedgrid::worker
namespace seedgrid::task_script {
class TaskScript;
}

namespace seedgrid::rendering {

// A scripted job's input images by id; null for an id that is not here.
using ImageLookup = std::function<const RgbImage*(const std::string& id)>;
inline constexpr std::size_t kKeptInputImages = 32;

struct RenderedImage {
  std::vector<std::uint8_t> pixels;  // RGB8
  Digest trajectory_root{};          // verify::Trajectory::root() of the latents x_0 .. x_N
  // The latents themselves, kept for audits' openings: txt2img's, and a worker's scripted job's
  // (every pass's, in the job's tree: ScriptedJobOptions::keep_latents); null for the instant task.
  std::shared_ptr<const verify::Trajectory> trajectory;
  std::uint32_t leaf_count = 0;  // a scripted job's, over all its passes (trajectory_root's tree)
};

struct RenderHooks {
  // job index in the batch, steps done (1..steps), steps.
  std::function<void(std::size_t job, std::uint32_t step, std::uint32_t steps)> on_progress;
  // Polled between steps: true stops the batch.
  std::function<bool()> cancelled;
};

struct BatchOutcome {
  // One per job of the batch; a job that failed check_job carries its code (job_invalid).
  std::vector<Result<RenderedImage>> images;
  bool cancelled = false;  // stopped by RenderHooks::cancelled
  std::uint64_t render_ms = 0;
};

class Renderer {
 public:
  // Loads every model of `section` (their model ids are the weight hashes). Errors name the model
  // path. `benchmark_tasks` adds the instant task type.
  static Result<std::shared_ptr<Renderer>> load(const config::RenderingSection& section,
                                                bool benchmark_tasks);
  ~Renderer();

  std::vector<std::string> model_ids() const;   // sorted
  std::vector<std::string> task_types() const;  // sorted
  const std::string& determinism_class() const { return determinism_class_; }
  const std::string& device() const { return device_; }
  const std::string& precision() const { return precision_; }  // "f32", "f16" (signed in results)
  // The pipeline of a loaded model (validators run audits with it), or null.
  const Pipeline* pipeline(const std::string& model_id) const;
  // The cross-class thresholds calibrated for a loaded model (config/model_thresholds.hpp), when
  // its folder has them: a validator audits that model's jobs with them.
  std::optional<config::ValidatorThresholds> calibrated_thresholds(
      const std::string& model_id) const;
  bool serves(const protocol::JobSpec& spec) const;
  // Whether two jobs may render in one batch (the pipeline's own rules).
  bool compatible(const protocol::JobSpec& a, const protocol::JobSpec& b) const;
  // The job's parameters against its model's limits (models/pipeline/render_limits.hpp): what
  // the coordinator checked at submit, checked again here before any work. Its errors carry
  // protocol::ErrorCode::job_invalid: any worker fails such a job the same way, which costs no
  // reputation.
  Result<void> check_job(const protocol::JobSpec& spec) const;

  // Pixel-steps per second of a small txt2img render of the first model (the speed a worker
  // advertises and its deadlines are computed from).
  Result<std::uint64_t> measure_speed() const;

  // A task script the coordinator sent for `id`: its bytes must hash to the id, and it must load
  // (schema, cost). Safe beside a render on another thread; const as a cache is (the scripts
  // change what the renderer can run, not what any job renders).
  Result<void> add_script(const std::string& id, const std::string& file_name,
                          std::string source) const;
  bool has_script(const std::string& id) const;
  std::shared_ptr<const task_script::TaskScript> script(const std::string& id) const;

  // An image a scripted job names by id (protocol/input_image.hpp), fetched from the
  // coordinator: its pixels must hash to the id. The most recent kKeptInputImages are kept.
  Result<void> add_input_image(const std::string& id, RgbImage image) const;
  // The ids of the images `spec`'s image parameters name that are not here (its script loaded).
  std::vector<std::string> missing_input_images(const protocol::JobSpec& spec) const;
  // The images here that `spec` names, held for as long as the lookup lives.
  ImageLookup input_images_of(const protocol::JobSpec& spec) const;

  // Test builds only: from now on every txt2img job is rendered by this cheat of the zoo
  // (actors/worker/cheats/cheat.hpp) with the first model; errors in release builds.
  Result<void> enable_cheat(worker::Cheat cheat);

  // Renders jobs that are pairwise compatible. A job that fails check_job fails alone; another
  // problem with the batch fails every job of it.
  BatchOutcome render(std::span<const protocol::JobSpec> batch, const RenderHooks& hooks) const;

 private:
  Renderer() = default;
  BatchOutcome render_valid(std::span<const protocol::JobSpec> batch,
                            const RenderHooks& hooks) const;
  BatchOutcome render_instant(std::span<const protocol::JobSpec> batch,
                              const RenderHooks& hooks) const;
  BatchOutcome render_cheating(std::span<const GenerationSpec> specs,
                               const RenderHooks& hooks) const;
  BatchOutcome render_script(const protocol::JobSpec& spec, const RenderHooks& hooks) const;
  std::unique_ptr<Backend> backend_;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;     // by model id
  std::map<std::string, config::ValidatorThresholds> calibrated_;  // by model id, where measured
  std::string determinism_class_;
  std::string device_;
  std::string precision_;
  bool benchmark_tasks_ = false;
  std::shared_ptr<const worker::CheatKit> cheat_kit_;
  mutable std::mutex scripts_mutex_;
  mutable std::map<std::string, std::shared_ptr<const task_script::TaskScript>> scripts_;  // id
  mutable std::map<std::string, std::shared_ptr<const RgbImage>> input_images_;  // by id
  mutable std::deque<std::string> input_image_order_;                           // oldest first
};

// The instant task's pixels for a spec (what any honest worker returns for it).
std::vector<std::uint8_t> instant_pixels(const protocol::JobSpec& spec);

}  // namespace seedgrid::rendering
