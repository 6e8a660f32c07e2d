#include "runtime/base/task_script/lua_values.hpp"

#include <lua.hpp>
#include <new>
#include <utility>

#include "runtime/base/task_script/lua_sandbox.hpp"

namespace seedgrid::task_script {
namespace {

std::size_t bytes_of(const Latent& l) { return l.tensor.bytes(); }
std::size_t bytes_of(const RgbImage& i) { return i.pixels.size(); }
std::size_t bytes_of(const PromptConditioning& c) { return c.context.bytes(); }

std::string shown(const Latent& l) { return message_of("latent ", l.width, "x", l.height); }
std::string shown(const RgbImage& i) { return message_of("image ", i.width, "x", i.height); }
std::string shown(const PromptConditioning& c) {
  return c.guided ? "prompt (guided)" : "prompt (unguided)";
}

template <class T>
struct Kind;
template <>
struct Kind<Latent> {
  static constexpr const char* name = "seedgrid.latent";
};
template <>
struct Kind<RgbImage> {
  static constexpr const char* name = "seedgrid.image";
};
template <>
struct Kind<PromptConditioning> {
  static constexpr const char* name = "seedgrid.prompt";
};

template <class T>
int collect(lua_State* L) {
  auto* value = static_cast<T*>(luaL_checkudata(L, 1, Kind<T>::name));
  LuaSandbox::release(L, bytes_of(*value));
  value->~T();
  return 0;
}

template <class T>
int describe(lua_State* L) {
  const auto* value = static_cast<const T*>(luaL_checkudata(L, 1, Kind<T>::name));
  const std::string text = shown(*value);
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

template <class T>
void register_type(lua_State* L) {
  luaL_newmetatable(L, Kind<T>::name);
  lua_pushcfunction(L, collect<T>);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, describe<T>);
  lua_setfield(L, -2, "__tostring");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // the script can neither read nor replace it
  lua_pop(L, 1);
}

template <class T>
void push(lua_State* L, T value) {
  const std::size_t bytes = bytes_of(value);
  LuaSandbox::charge(L, bytes);
  void* memory = lua_newuserdatauv(L, sizeof(T), 0);
  new (memory) T(std::move(value));
  luaL_setmetatable(L, Kind<T>::name);
}

template <class T>
const T* to(lua_State* L, int index) {
  return static_cast<const T*>(luaL_testudata(L, index, Kind<T>::name));
}

}  // namespace

void register_value_types(lua_State* L) {
  register_type<Latent>(L);
  register_type<RgbImage>(L);
  register_type<PromptConditioning>(L);
}

void push_latent(lua_State* L, Latent latent) { push(L, std::move(latent)); }
void push_image(lua_State* L, RgbImage image) { push(L, std::move(image)); }
void push_conditioning(lua_State* L, PromptConditioning conditioning) {
  push(L, std::move(conditioning));
}

const Latent* to_latent(lua_State* L, int index) { return to<Latent>(L, index); }
const RgbImage* to_image(lua_State* L, int index) { return to<RgbImage>(L, index); }
const PromptConditioning* to_conditioning(lua_State* L, int index) {
  return to<PromptConditioning>(L, index);
}

void push_params(lua_State* L, const ParamValues& params) {
  lua_createtable(L, 0, static_cast<int>(params.size()));
  for (const auto& [name, value] : params) {
    if (const auto* i = std::get_if<std::int64_t>(&value))
      lua_pushinteger(L, static_cast<lua_Integer>(*i));
    else if (const auto* d = std::get_if<double>(&value))
      lua_pushnumber(L, *d);
    else if (const auto* s = std::get_if<std::string>(&value))
      lua_pushlstring(L, s->data(), s->size());
    else if (const auto* b = std::get_if<bool>(&value))
      lua_pushboolean(L, *b ? 1 : 0);
    else
      push_image(L, std::get<RgbImage>(value));
    lua_setfield(L, -2, name.c_str());
  }
}

}  // namespace seedgrid::task_script
