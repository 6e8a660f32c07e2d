#pragma once
// The `sd` table a task script composes renders from: deterministic primitives over a loaded
// Pipeline (models/pipeline/sampling_pass.hpp), one job at a time.
//
//   sd.encode_prompt(prompt, negative_prompt, guidance) -> prompt  (guided when guidance > 1)
//   sd.noise(width, height, seed)                        -> latent  (the initial-latent stream)
//   sd.encode_image(image, seed)                         -> latent  (img2img's clean latent)
//   sd.sample{prompt=, noise=, init=, strength=, mask=, steps=, guidance=, sampler=, karras=,
//             seed=}                                     -> latent  (one pass; init/strength:
//                                                           img2img; mask: only its region renders)
//   sd.decode(latent)                                    -> image
//   sd.size(latent or image)                             -> width, height (pixels)
//   sd.steps_run(steps, strength)                        -> the steps an img2img pass runs
//   sd.resize(latent or image, width, height)            -> the same, resized (bilinear)
//   sd.blend_noise(a, b, t)                              -> latent  (a variation's noise)
//   sd.latent_mask(mask_image, latent)                   -> mask    (sd.sample's mask= field)
//   sd.pad(image, left, top, right, bottom)              -> image, mask  (outpainting's input)
//   sd.crop(image, left, top, width, height)             -> image
//   sd.blend(a, b, mask)                                 -> image   (b where the mask is white)
//
// Each sd.sample is a pass (checked against what cost() declared before it runs): its latents
// x_0 .. x_n become leaves naming the pass and step (verify/commitment/job_trajectory.hpp; pass
// 0's are the leaves a built-in render commits), and its time is measured for the report.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "models/pipeline/pipeline.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/task_script/task_schema.hpp"

struct lua_State;

namespace seedgrid::task_script {

struct PassRecord {
  int steps_run = 0;
  int width = 0;  // of the image the latent stands for
  int height = 0;
  std::vector<Digest> leaves;  // verify::pass_latent_leaf of x_0 .. x_steps_run
  std::vector<Tensor> latents;  // x_0 .. x_steps_run themselves, with TaskHooks::keep_latents
  Digest trajectory_root{};    // of this pass's leaves alone (reported; the job commits to all)
  double seconds = 0;  // wall time of the pass: reported, never hashed
};

// What one sd.sample call was given: everything its render depends on.
struct PassInputs {
  const SamplingPass& pass;
  const PromptConditioning& text;
  const Tensor& noise;
  const Tensor* clean;  // the init latent; null for a pass from pure noise
};

// A job's progress over all its passes (steps done of the declared total) and a way to stop it
// between steps; what a worker reports and how it cancels, for a scripted job as for txt2img.
struct TaskHooks {
  std::function<void(std::uint32_t steps_done, std::uint32_t steps)> on_progress;
  std::function<bool()> cancelled;
  // The test-only cheat zoo's way into a scripted job (actors/worker/cheats/): changes a pass
  // after it was checked against its declaration, as a cheating worker would. Its leaves are then
  // padded to the declared count (the missing latents forged, as the txt2img cheats do). Null in
  // every production path.
  std::function<void(std::uint32_t pass_index, SamplingPass& pass)> alter_pass;
  // A worker keeps every pass's latents (PassRecord::latents) to open them for audits later.
  bool keep_latents = false;
  // An audit's replay (actors/validator/scripted_replay.hpp): each sd.sample, checked against its
  // declaration as always, is answered by this instead of rendering; the script goes on with the
  // latent it returns (the worker's committed last latent of the pass), and an error stops the
  // script. The pass records no leaves then.
  std::function<Result<Tensor>(std::uint32_t pass_index, const PassInputs& inputs)> replay_pass;
};

// What the primitives work on and what they record. `pipeline` may be null (checking a script,
// computing its cost): then every primitive that renders raises an error saying so. With
// `declared` (what cost() returned), a pass that is not the next declared one (steps and pixels)
// fails before it runs, so a job never renders more than it was priced for.
struct PrimitiveContext {
  const Pipeline* pipeline = nullptr;
  std::optional<std::vector<PassCost>> declared;
  std::vector<PassRecord> passes;
  TaskHooks hooks;
};

// Sets the global `sd` in a sandbox; `context` must outlive the state.
void open_primitives(lua_State* L, PrimitiveContext* context);

}  // namespace seedgrid::task_script
