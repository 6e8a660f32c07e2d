#pragma once
// The cheat zoo: test-only ways a worker can deliver a result it did not honestly render, each one
// committing to a trajectory the way a cheater plausibly would, so the fault and detection tests
// can show which audit (runtime/base/verify/audits.hpp) catches which cheat (see README.md here).
// Compiled only into builds with SEEDGRID_TEST_FAULTS; elsewhere parse_cheat, make_cheat_kit and
// render_cheating return the error "cheats are compiled only into test builds", so a production
// worker cannot be configured to cheat.
//
// Every cheated trajectory has exactly the leaf count an honest render of the asked spec commits
// (steps_run + 1): a cheat that computes fewer latents forges the missing ones.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/pipeline/generation_hooks.hpp"
#include "models/pipeline/generation_spec.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::worker {

enum class Cheat : std::uint8_t {
  wrong_seed,           // renders seed + 1 and commits to that trajectory
  fewer_steps,          // renders half the steps, interpolates the missing latents
  skipped_guidance,     // renders without the negative branch (guidance 1): half the UNet work
  smaller_model,        // a UNet with half the channels and fewer layers (same VAE, text encoder)
  quantized_8bit,       // the asked model, weights quantized to 8 bits per output channel
  quantized_4bit,       // same, 4 bits
  other_sampler,        // another sampler than the one asked (euler <-> ddim)
  random_output,        // random pixels, random latents: no model run at all
  replayed_image,       // first job honest; every later job gets that job's image and trajectory
  swapped_final_image,  // honest trajectory, another image delivered
  forged_trajectory,    // honest image and x_0, x_N; random latents in between
  // Scripted jobs only (scripted_cheat.hpp): every pass runs without its mask, so an inpaint
  // re-renders what it should keep. A txt2img job has no mask: rendered honestly.
  ignored_mask,
};

bool cheats_enabled();                  // whether this build has the zoo
std::vector<Cheat> all_cheats();        // those with a txt2img form, in declaration order
std::vector<Cheat> scripted_only_cheats();  // those a txt2img job cannot show: ignored_mask
std::string_view cheat_name(Cheat c);   // the config string: "wrong_seed", ...
Result<Cheat> parse_cheat(std::string_view name);

// What a cheating worker delivers and commits to.
struct CheatedRender {
  RgbImage image;
  verify::Trajectory trajectory;  // leaf_count() == honest steps_run + 1
};

struct ReplayCache;  // the first job's render (cheat.cpp); shared, internally locked

// Everything the cheats need, built once per worker (loading a substitute model is slow).
struct CheatKit {
  Cheat cheat = Cheat::wrong_seed;
  std::optional<Pipeline> honest;      // the asked model on the worker's backend
  std::optional<Pipeline> substitute;  // smaller_model / quantized_*: what is really run
  std::shared_ptr<ReplayCache> replay;  // replayed_image
};

struct CheatKitOptions {
  // smaller_model: a checkpoint to run instead. Empty: a UNet with half the channels (and one
  // layer per block fewer, at least one) and random weights is built in memory; the text encoder
  // and VAE stay the asked model's, so latents and tokens keep their shapes.
  std::string smaller_model_path;
  std::uint64_t smaller_model_seed = 7;
};

// Loads the asked model from `model_path` on `backend` and whatever `cheat` needs beside it.
Result<CheatKit> make_cheat_kit(Cheat cheat, const std::string& model_path, Backend& backend,
                                const CheatKitOptions& options = {});
// The same with the honest pipeline already loaded (a worker's renderer holds one).
Result<CheatKit> make_cheat_kit(Cheat cheat, const Pipeline& honest, Backend& backend,
                                const CheatKitOptions& options = {});

// Renders `asked` the way the cheat does. `hooks`: on_progress and cancelled are honoured
// (on_latent is not called: the committed latents are in the result). Thread-safe.
Result<CheatedRender> render_cheating(Cheat cheat, const CheatKit& kit,
                                      const GenerationSpec& asked,
                                      const GenerationHooks& hooks = {});

}  // namespace seedgrid::worker
