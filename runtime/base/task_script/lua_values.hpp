#pragma once
// The host values a task script holds (latents, images, prompt conditionings) as Lua userdata:
// opaque to the script, freed by Lua's collector, and their host memory charged to the sandbox's
// memory cap while the script holds them. And the parameters a script's functions receive.
#include "models/pipeline/rgb_image.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "models/tensor/tensor.hpp"
#include "runtime/base/task_script/task_schema.hpp"

struct lua_State;

namespace seedgrid::task_script {

// A latent and the size of the image it stands for (what sizes and costs are counted in).
struct Latent {
  Tensor tensor;  // host f32 [1, C, h, w]
  int width = 0;
  int height = 0;
};

// Creates the three value types' metatables in a sandbox (once, before anything is pushed).
void register_value_types(lua_State* L);

// Each push charges the value's bytes to the sandbox (a Lua error past the cap).
void push_latent(lua_State* L, Latent latent);
void push_image(lua_State* L, RgbImage image);
void push_conditioning(lua_State* L, PromptConditioning conditioning);

// The value at `index`, or nullptr when it is another kind of value.
const Latent* to_latent(lua_State* L, int index);
const RgbImage* to_image(lua_State* L, int index);
const PromptConditioning* to_conditioning(lua_State* L, int index);

// The parameters as one Lua table keyed by name (images as image values).
void push_params(lua_State* L, const ParamValues& params);

}  // namespace seedgrid::task_script
