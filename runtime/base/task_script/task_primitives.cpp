#include "runtime/base/task_script/task_primitives.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <lua.hpp>
#include <optional>
#include <set>
#include <string>

#include "models/pipeline/image_ops.hpp"
#include "models/pipeline/latent_ops.hpp"
#include "models/samplers/sampling_schedule.hpp"
#include "runtime/base/task_script/lua_values.hpp"
#include "runtime/base/verify/commitment/job_trajectory.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"

namespace seedgrid::task_script {
namespace {

constexpr const char* kContextKey = "seedgrid.primitive_context";

PrimitiveContext& context_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kContextKey);
  auto* context = static_cast<PrimitiveContext*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *context;
}

const Pipeline& pipeline_of(lua_State* L, const char* primitive) {
  const Pipeline* p = context_of(L).pipeline;
  if (p == nullptr)
    luaL_error(L, "%s renders, and only run() may render (not cost() or the script's top level)",
               primitive);
  return *p;
}

// A primitive's error at the script's line: "txt2img.lua:9: sd.sample: <why>".
[[noreturn]] void raise(lua_State* L, const char* primitive, const std::string& why) {
  luaL_error(L, "%s: %s", primitive, why.c_str());
  std::terminate();  // luaL_error does not return
}

template <class T>
T value_or_raise(lua_State* L, const char* primitive, Result<T> r) {
  if (!r) raise(L, primitive, r.error().message);
  return std::move(*r);
}

// Catches what a host call may throw (memory), so no C++ exception but Lua's own crosses Lua.
template <class Body>
int guarded(lua_State* L, const char* primitive, Body&& body) {
  std::string why;
  try {
    return body();
  } catch (const std::exception& e) {
    why = e.what();
  }
  raise(L, primitive, why);
}

int check_int(lua_State* L, int arg, const char* primitive, const char* what) {
  if (!lua_isinteger(L, arg))
    raise(L, primitive, message_of(what, " must be an integer, found ", luaL_typename(L, arg)));
  const lua_Integer v = lua_tointeger(L, arg);
  if (v < -(1 << 30) || v > (1 << 30))
    raise(L, primitive, message_of(what, " ", static_cast<long long>(v), " is out of range"));
  return static_cast<int>(v);
}

std::uint64_t check_seed(lua_State* L, int arg, const char* primitive) {
  if (!lua_isinteger(L, arg))
    raise(L, primitive, message_of("the seed must be an integer, found ", luaL_typename(L, arg)));
  return static_cast<std::uint64_t>(lua_tointeger(L, arg));  // two's complement: every u64
}

const Latent& check_latent(lua_State* L, int arg, const char* primitive, const char* what) {
  const Latent* t = to_latent(L, arg);
  if (t == nullptr)
    raise(L, primitive, message_of(what, " must be a latent, found ", luaL_typename(L, arg)));
  return *t;
}

const RgbImage& check_image(lua_State* L, int arg, const char* primitive, const char* what) {
  const RgbImage* i = to_image(L, arg);
  if (i == nullptr)
    raise(L, primitive, message_of(what, " must be an image, found ", luaL_typename(L, arg)));
  return *i;
}

int l_encode_prompt(lua_State* L) {
  constexpr const char* kName = "sd.encode_prompt";
  if (lua_type(L, 1) != LUA_TSTRING)
    raise(L, kName, message_of("the prompt must be a string, found ", luaL_typename(L, 1)));
  if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TSTRING)
    raise(L, kName,
          message_of("the negative prompt must be a string, found ", luaL_typename(L, 2)));
  const char* prompt = lua_tostring(L, 1);
  const char* negative = lua_isnoneornil(L, 2) ? "" : lua_tostring(L, 2);
  // Compared as the float the sampler is given (SamplingPass::guidance), so the two agree.
  const double guidance = luaL_checknumber(L, 3);
  const Pipeline& p = pipeline_of(L, kName);
  return guarded(L, kName, [&] {
    push_conditioning(
        L, value_or_raise(L, kName,
                          p.encode_prompt(prompt, negative, static_cast<float>(guidance) > 1.0f)));
    return 1;
  });
}

int l_noise(lua_State* L) {
  constexpr const char* kName = "sd.noise";
  const int width = check_int(L, 1, kName, "the width");
  const int height = check_int(L, 2, kName, "the height");
  const std::uint64_t seed = check_seed(L, 3, kName);
  const Pipeline& p = pipeline_of(L, kName);
  return guarded(L, kName, [&] {
    push_latent(L, {value_or_raise(
                        L, kName, p.latent_noise(width, height, seed, NoiseStream::initial_latent)),
                    width, height});
    return 1;
  });
}

int l_encode_image(lua_State* L) {
  constexpr const char* kName = "sd.encode_image";
  const RgbImage& image = check_image(L, 1, kName, "the image");
  const std::uint64_t seed = check_seed(L, 2, kName);
  const Pipeline& p = pipeline_of(L, kName);
  return guarded(L, kName, [&] {
    push_latent(L,
                {value_or_raise(L, kName, p.encode_image(image, seed)), image.width, image.height});
    return 1;
  });
}

// The pipeline may reuse the buffer it hands its latent hook.
Tensor copy_latent(const Tensor& t) {
  Tensor out = Tensor::host(t.shape(), DType::f32);
  std::memcpy(out.raw(), t.raw(), t.bytes());
  return out;
}

// A field of sd.sample's table, or its default when absent.
struct Fields {
  lua_State* L;
  const char* primitive;

  int get(const char* name) {
    lua_getfield(L, 1, name);
    return lua_gettop(L);
  }
  bool absent(int index) { return lua_isnil(L, index); }
  double number(const char* name, std::optional<double> fallback) {
    const int i = get(name);
    if (absent(i) && fallback) return *fallback;
    if (lua_type(L, i) != LUA_TNUMBER)
      raise(L, primitive,
            message_of("field ", name, " must be a number, found ", luaL_typename(L, i)));
    return lua_tonumber(L, i);
  }
};

// The first (in sorted order, so the message is the same everywhere) key of sd.sample's table
// that is not one of its fields: a misspelt "guidence" would otherwise fall back to the default.
std::string unknown_field(lua_State* L, int table) {
  static const std::set<std::string> kFields = {"prompt", "noise", "init",     "strength",
                                                "mask",   "steps", "guidance", "sampler",
                                                "karras", "seed"};
  std::set<std::string> unknown;
  lua_pushnil(L);
  while (lua_next(L, table) != 0) {
    lua_pop(L, 1);
    const bool named = lua_type(L, -1) == LUA_TSTRING;
    const std::string key =
        named ? lua_tostring(L, -1) : std::string("of type ") + luaL_typename(L, -1);
    if (!named || !kFields.contains(key)) unknown.insert(key);
  }
  return unknown.empty() ? std::string() : *unknown.begin();
}

int l_sample(lua_State* L) {
  constexpr const char* kName = "sd.sample";
  if (lua_type(L, 1) != LUA_TTABLE)
    raise(L, kName, "takes one table: sd.sample{prompt = p, noise = n, steps = 20, ...}");
  if (auto unknown = unknown_field(L, 1); !unknown.empty())
    raise(L, kName,
          message_of("unknown field ", unknown,
                     " (fields: prompt, noise, init, strength, mask, steps, guidance, sampler, "
                     "karras, seed)"));
  luaL_checkstack(L, 16, kName);  // each field read below stays on the stack
  Fields f{L, kName};
  const PromptConditioning* text = to_conditioning(L, f.get("prompt"));
  if (text == nullptr) raise(L, kName, "field prompt must be what sd.encode_prompt returned");
  const Latent& noise = check_latent(L, f.get("noise"), kName, "field noise");
  const int init_index = f.get("init");
  const Latent* init =
      f.absent(init_index) ? nullptr : &check_latent(L, init_index, kName, "field init");
  SamplingPass pass;
  pass.steps = check_int(L, f.get("steps"), kName, "field steps");
  pass.guidance = static_cast<float>(f.number("guidance", text->guided ? 7.5 : 1.0));
  const int sampler_index = f.get("sampler");
  if (!f.absent(sampler_index)) {
    const char* name = lua_tostring(L, sampler_index);
    auto kind = parse_sampler_kind(name ? name : "");
    if (!kind || lua_type(L, sampler_index) != LUA_TSTRING)
      raise(L, kName, kind ? "field sampler must be a string" : kind.error().message);
    pass.sampler = *kind;
  }
  const int karras_index = f.get("karras");
  pass.karras = lua_toboolean(L, karras_index) != 0;
  pass.seed = check_seed(L, f.get("seed"), kName);
  if (init != nullptr) {
    const double strength = f.number("strength", std::nullopt);
    if (!(strength > 0 && strength <= 1))
      raise(L, kName, message_of("field strength must be in (0, 1], found ", strength));
    if (pass.steps >= 1)
      pass.first_step = img2img_first_step(pass.steps, static_cast<float>(strength));
    if (pass.first_step >= pass.steps && pass.steps >= 1)
      raise(L, kName,
            message_of("strength ", strength, " with ", pass.steps,
                       " steps runs no step: raise the strength or the steps"));
  } else if (!f.absent(f.get("strength"))) {
    raise(L, kName, "field strength needs an init latent to noise");
  }
  const int mask_index = f.get("mask");
  if (!f.absent(mask_index)) {
    if (init == nullptr) raise(L, kName, "field mask needs an init latent to keep");
    const Latent& mask = check_latent(L, mask_index, kName, "field mask");
    if (mask.tensor.dim(1) != 1 || mask.width != noise.width || mask.height != noise.height)
      raise(L, kName,
            message_of("field mask must be sd.latent_mask's result for a ", noise.width, " x ",
                       noise.height, " image, found ", mask.tensor.describe(), " for ", mask.width,
                       " x ", mask.height));
    pass.mask = mask.tensor;
  }
  const Pipeline& p = pipeline_of(L, kName);
  PrimitiveContext& context = context_of(L);
  if (context.declared) {
    const std::size_t index = context.passes.size();
    const PassCost planned{pass.steps - pass.first_step,
                           static_cast<std::int64_t>(noise.width) * noise.height};
    if (index >= context.declared->size())
      raise(L, kName,
            message_of("this would be pass ", index + 1, " but cost() declared ",
                       context.declared->size(), ": a job runs what it is priced for"));
    const PassCost& promised = (*context.declared)[index];
    if (planned != promised)
      raise(L, kName,
            message_of("pass ", index + 1, " would run ", planned.steps, " steps over ",
                       planned.pixels, " pixels but cost() declared ", promised.steps,
                       " steps over ", promised.pixels, " pixels"));
  }
  return guarded(L, kName, [&] {
    PassRecord record;
    const auto pass_index = static_cast<std::uint32_t>(context.passes.size());
    const int steps_run = pass.steps - pass.first_step;
    if (context.hooks.alter_pass) context.hooks.alter_pass(pass_index, pass);
    const Tensor* clean = init ? &init->tensor : nullptr;
    Tensor x;
    if (context.hooks.replay_pass) {
      x = value_or_raise(L, kName,
                         context.hooks.replay_pass(pass_index, {pass, *text, noise.tensor, clean}));
    } else {
      const bool keep = context.hooks.keep_latents;
      GenerationHooks hooks;
      hooks.on_latent = [&](std::size_t, int t, const Tensor& latent) {
        record.leaves.push_back(
            verify::pass_latent_leaf(pass_index, static_cast<std::uint32_t>(t), latent));
        if (keep) record.latents.push_back(copy_latent(latent));
      };
      // Progress counts the job's steps over all its passes: the declared total where there is
      // one (a job), this pass alone otherwise.
      std::uint32_t before = 0, total = 0;
      for (const auto& done : context.passes) before += static_cast<std::uint32_t>(done.steps_run);
      if (context.declared)
        for (const auto& planned : *context.declared)
          total += static_cast<std::uint32_t>(planned.steps);
      else
        total = before + static_cast<std::uint32_t>(steps_run);
      if (context.hooks.on_progress)
        hooks.on_progress = [&, before, total](std::size_t, int step, int) {
          context.hooks.on_progress(before + static_cast<std::uint32_t>(step), total);
        };
      hooks.cancelled = context.hooks.cancelled;
      // Wall time is reported beside the pass; it never enters what is rendered or hashed.
      const auto start = std::chrono::steady_clock::now();
      x = value_or_raise(L, kName, p.sample(pass, *text, noise.tensor, clean, hooks));
      record.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // A cheat that ran fewer steps forges the missing leaves (and latents) from its last one.
      while (!record.leaves.empty() &&
             record.leaves.size() < static_cast<std::size_t>(steps_run) + 1) {
        record.leaves.push_back(record.leaves.back());
        if (keep) record.latents.push_back(record.latents.back());
      }
      record.trajectory_root = verify::merkle_root(record.leaves);
    }
    record.steps_run = steps_run;
    record.width = noise.width;
    record.height = noise.height;
    context.passes.push_back(std::move(record));
    push_latent(L, {std::move(x), noise.width, noise.height});
    return 1;
  });
}

int l_decode(lua_State* L) {
  constexpr const char* kName = "sd.decode";
  const Latent& latent = check_latent(L, 1, kName, "the argument");
  const Pipeline& p = pipeline_of(L, kName);
  return guarded(L, kName, [&] {
    push_image(L, value_or_raise(L, kName, p.decode_latent(latent.tensor)));
    return 1;
  });
}

// The pixels one latent cell stands for along a side (the VAE's downscale factor).
std::int64_t pixels_per_cell(const Latent& latent) {
  return latent.width / std::max<std::int64_t>(latent.tensor.dim(3), 1);
}

// Neither needs the pipeline: a latent exists only inside run(), where sd.noise or sd.sample
// made it. An image is resized in pixels (models/pipeline/image_ops.hpp).
int l_resize(lua_State* L) {
  constexpr const char* kName = "sd.resize";
  if (const RgbImage* image = to_image(L, 1)) {
    const int width = check_int(L, 2, kName, "the width");
    const int height = check_int(L, 3, kName, "the height");
    return guarded(L, kName, [&] {
      push_image(L, value_or_raise(L, kName, resize_image(*image, width, height)));
      return 1;
    });
  }
  const Latent& latent = check_latent(L, 1, kName, "the latent (or image)");
  const int width = check_int(L, 2, kName, "the width");
  const int height = check_int(L, 3, kName, "the height");
  const std::int64_t factor = pixels_per_cell(latent);
  if (width < 1 || height < 1 || width % factor != 0 || height % factor != 0)
    raise(L, kName,
          message_of("a latent cannot stand for ", width, " x ", height,
                     " pixels: each side must "
                     "be a positive multiple of ",
                     factor, " (the VAE's downscale factor)"));
  return guarded(L, kName, [&] {
    push_latent(L, {value_or_raise(L, kName,
                                   resize_latent(latent.tensor, static_cast<int>(height / factor),
                                                 static_cast<int>(width / factor))),
                    width, height});
    return 1;
  });
}

int l_blend_noise(lua_State* L) {
  constexpr const char* kName = "sd.blend_noise";
  const Latent& a = check_latent(L, 1, kName, "the first noise");
  const Latent& b = check_latent(L, 2, kName, "the second noise");
  const double t = luaL_checknumber(L, 3);
  if (!(t >= 0 && t <= 1)) raise(L, kName, message_of("the blend must be in [0, 1], found ", t));
  return guarded(L, kName, [&] {
    push_latent(L,
                {value_or_raise(L, kName, blend_noise(a.tensor, b.tensor, static_cast<float>(t))),
                 a.width, a.height});
    return 1;
  });
}

int l_latent_mask(lua_State* L) {
  constexpr const char* kName = "sd.latent_mask";
  const RgbImage& image = check_image(L, 1, kName, "the mask");
  const Latent& like = check_latent(L, 2, kName, "the latent it masks");
  const std::int64_t factor = pixels_per_cell(like);
  return guarded(L, kName, [&] {
    push_latent(L, {value_or_raise(L, kName,
                                   latent_mask(image, like.tensor.dim(2), like.tensor.dim(3),
                                               static_cast<int>(factor))),
                    like.width, like.height});
    return 1;
  });
}

int l_pad(lua_State* L) {
  constexpr const char* kName = "sd.pad";
  const RgbImage& image = check_image(L, 1, kName, "the image");
  const int left = check_int(L, 2, kName, "left");
  const int top = check_int(L, 3, kName, "top");
  const int right = check_int(L, 4, kName, "right");
  const int bottom = check_int(L, 5, kName, "bottom");
  return guarded(L, kName, [&] {
    PaddedImage padded = value_or_raise(L, kName, pad_image(image, left, top, right, bottom));
    push_image(L, std::move(padded.image));
    push_image(L, std::move(padded.mask));
    return 2;
  });
}

int l_crop(lua_State* L) {
  constexpr const char* kName = "sd.crop";
  const RgbImage& image = check_image(L, 1, kName, "the image");
  const int left = check_int(L, 2, kName, "left");
  const int top = check_int(L, 3, kName, "top");
  const int width = check_int(L, 4, kName, "the width");
  const int height = check_int(L, 5, kName, "the height");
  return guarded(L, kName, [&] {
    push_image(L, value_or_raise(L, kName, crop_image(image, left, top, width, height)));
    return 1;
  });
}

int l_blend(lua_State* L) {
  constexpr const char* kName = "sd.blend";
  const RgbImage& a = check_image(L, 1, kName, "the first image");
  const RgbImage& b = check_image(L, 2, kName, "the second image");
  const RgbImage& mask = check_image(L, 3, kName, "the mask");
  return guarded(L, kName, [&] {
    push_image(L, value_or_raise(L, kName, blend_images(a, b, mask)));
    return 1;
  });
}

int l_size(lua_State* L) {
  constexpr const char* kName = "sd.size";
  if (const RgbImage* image = to_image(L, 1)) {
    lua_pushinteger(L, image->width);
    lua_pushinteger(L, image->height);
    return 2;
  }
  const Latent& latent = check_latent(L, 1, kName, "the argument (a latent or an image)");
  lua_pushinteger(L, latent.width);
  lua_pushinteger(L, latent.height);
  return 2;
}

int l_steps_run(lua_State* L) {
  constexpr const char* kName = "sd.steps_run";
  const int steps = check_int(L, 1, kName, "steps");
  const double strength = luaL_checknumber(L, 2);
  lua_pushinteger(L, steps - img2img_first_step(steps, static_cast<float>(strength)));
  return 1;
}

}  // namespace

void open_primitives(lua_State* L, PrimitiveContext* context) {
  lua_pushlightuserdata(L, context);
  lua_setfield(L, LUA_REGISTRYINDEX, kContextKey);
  const luaL_Reg functions[] = {{"encode_prompt", l_encode_prompt},
                                {"noise", l_noise},
                                {"encode_image", l_encode_image},
                                {"sample", l_sample},
                                {"decode", l_decode},
                                {"size", l_size},
                                {"steps_run", l_steps_run},
                                {"resize", l_resize},
                                {"blend_noise", l_blend_noise},
                                {"latent_mask", l_latent_mask},
                                {"pad", l_pad},
                                {"crop", l_crop},
                                {"blend", l_blend},
                                {nullptr, nullptr}};
  luaL_newlib(L, functions);
  lua_setglobal(L, "sd");
}

}  // namespace seedgrid::task_script
