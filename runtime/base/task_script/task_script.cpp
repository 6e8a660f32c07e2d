#include "runtime/base/task_script/task_script.hpp"

#include <filesystem>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "models/weights/sha256.hpp"
#include "runtime/base/task_script/lua_values.hpp"

namespace seedgrid::task_script {
namespace {

constexpr std::size_t kMaxScriptBytes = 1 << 20;
constexpr int kMaxParams = 64;
constexpr int kMaxPasses = 64;

const char* const kParamFields[] = {"name", "type", "min", "max", "default", "choices", "help"};

// A field of the table on top of the stack, popped by the caller.
int field(lua_State* L, const char* name) {
  lua_getfield(L, -1, name);
  return lua_type(L, -1);
}

Result<std::optional<std::string>> optional_string(lua_State* L, const char* name,
                                                   const std::string& where) {
  const int type = field(L, name);
  std::optional<std::string> out;
  if (type == LUA_TSTRING) out = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (type != LUA_TSTRING && type != LUA_TNIL)
    return fail(where, ".", name, " must be a string, found ", lua_typename(L, type));
  return out;
}

Result<std::optional<double>> optional_number(lua_State* L, const char* name,
                                              const std::string& where) {
  const int type = field(L, name);
  std::optional<double> out;
  if (type == LUA_TNUMBER) out = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (type != LUA_TNUMBER && type != LUA_TNIL)
    return fail(where, ".", name, " must be a number, found ", lua_typename(L, type));
  return out;
}

// The Lua value at `index` as a parameter value (defaults: numbers, strings, booleans).
Result<ParamValue> to_param_value(lua_State* L, int index, const std::string& where) {
  switch (lua_type(L, index)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) return static_cast<std::int64_t>(lua_tointeger(L, index));
      return static_cast<double>(lua_tonumber(L, index));
    case LUA_TSTRING:
      return std::string(lua_tostring(L, index));
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) != 0;
    default:
      return fail(where, " must be a number, a string or a boolean, found ",
                  luaL_typename(L, index));
  }
}

// params[i] (on top of the stack) as a ParamSpec.
Result<ParamSpec> read_param(lua_State* L, const std::string& where) {
  ParamSpec p;
  // Unknown fields are refused, so a misspelt "deafult" is not silently ignored.
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    bool known = false;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (const char* f : kParamFields) known = known || std::string(lua_tostring(L, -1)) == f;
    if (!known) {
      const std::string key =
          lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      lua_pop(L, 1);
      return fail(where, " has an unknown field ", key,
                  " (fields: name, type, min, max, default, choices, help)");
    }
  }
  auto name = optional_string(L, "name", where);
  if (!name) return pass_on(name);
  if (!*name) return fail(where, " has no name");
  p.name = **name;
  const std::string at = where + " (" + p.name + ")";
  auto type = optional_string(L, "type", at);
  if (!type) return pass_on(type);
  if (!*type) return fail(at, " has no type (int, number, string, bool or image)");
  auto parsed = parse_param_type(**type);
  if (!parsed) return context(parsed.error(), at);
  p.type = *parsed;
  auto min = optional_number(L, "min", at), max = optional_number(L, "max", at);
  if (!min) return pass_on(min);
  if (!max) return pass_on(max);
  p.min = *min;
  p.max = *max;
  auto help = optional_string(L, "help", at);
  if (!help) return pass_on(help);
  p.help = help->value_or("");
  if (field(L, "default") != LUA_TNIL) {
    auto v = to_param_value(L, -1, at + ".default");
    if (!v) {
      lua_pop(L, 1);
      return pass_on(v);
    }
    p.default_value = std::move(*v);
  }
  lua_pop(L, 1);
  const int choices = field(L, "choices");
  if (choices == LUA_TTABLE) {
    const lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; ++i) {
      if (lua_geti(L, -1, i) != LUA_TSTRING) {
        lua_pop(L, 2);
        return fail(at, ".choices[", i, "] must be a string");
      }
      p.choices.emplace_back(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else if (choices != LUA_TNIL) {
    lua_pop(L, 1);
    return fail(at, ".choices must be a list of strings, found ", lua_typename(L, choices));
  }
  lua_pop(L, 1);
  return p;
}

// The schema from the globals of a state that ran the script.
Result<TaskSchema> read_schema(lua_State* L, const std::string& file) {
  TaskSchema schema;
  if (lua_getglobal(L, "name") != LUA_TSTRING) {
    lua_pop(L, 1);
    return fail(file, ": the script must set name = \"...\" (the task type's name)");
  }
  schema.name = lua_tostring(L, -1);
  lua_pop(L, 1);
  const int description = lua_getglobal(L, "description");
  if (description == LUA_TSTRING) schema.description = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (description != LUA_TSTRING && description != LUA_TNIL)
    return fail(file, ": description must be a string");
  for (const char* function : {"cost", "run"}) {
    const int type = lua_getglobal(L, function);
    lua_pop(L, 1);
    if (type != LUA_TFUNCTION)
      return fail(file, ": the script must define function ", function, "(p",
                  std::string(function) == "run" ? ", seed" : "", "), found ",
                  lua_typename(L, type));
  }
  if (lua_getglobal(L, "params") != LUA_TTABLE) {
    lua_pop(L, 1);
    return fail(file, ": the script must set params = { {name = ..., type = ...}, ... }");
  }
  const lua_Integer n = luaL_len(L, -1);
  if (n > kMaxParams) {
    lua_pop(L, 1);
    return fail(file, ": declares ", n, " parameters, at most ", kMaxParams);
  }
  for (lua_Integer i = 1; i <= n; ++i) {
    const std::string where = message_of(file, ": params[", i, "]");
    if (lua_geti(L, -1, i) != LUA_TTABLE) {
      lua_pop(L, 2);
      return fail(where, " must be a table {name = ..., type = ...}");
    }
    auto p = read_param(L, where);
    lua_pop(L, 1);
    if (!p) {
      lua_pop(L, 1);
      return pass_on(p);
    }
    schema.params.push_back(std::move(*p));
  }
  lua_pop(L, 1);
  if (auto ok = check_schema(schema); !ok) return context(ok.error(), file);
  return schema;
}

// cost()'s result (on top of the stack) as passes.
Result<std::vector<PassCost>> read_cost(lua_State* L, const std::string& file) {
  const std::string shape = "a list of passes like { {steps = 20, pixels = 512 * 512} }";
  if (lua_type(L, -1) != LUA_TTABLE)
    return fail(file, ": cost must return ", shape, ", found ", luaL_typename(L, -1));
  const lua_Integer n = luaL_len(L, -1);
  if (n < 1 || n > kMaxPasses)
    return fail(file, ": cost returned ", n, " passes, expected 1 to ", kMaxPasses);
  std::vector<PassCost> passes;
  for (lua_Integer i = 1; i <= n; ++i) {
    if (lua_geti(L, -1, i) != LUA_TTABLE) {
      lua_pop(L, 1);
      return fail(file, ": cost's pass ", i, " must be a table {steps = ..., pixels = ...}");
    }
    PassCost pass;
    for (auto [name, out] : {std::pair{"steps", &pass.steps}, std::pair{"pixels", &pass.pixels}}) {
      lua_getfield(L, -1, name);
      const bool ok = lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1;
      *out = ok ? lua_tointeger(L, -1) : 0;
      lua_pop(L, 1);
      if (!ok) {
        lua_pop(L, 1);
        return fail(file, ": cost's pass ", i, " needs ", name, " as a positive integer");
      }
    }
    lua_pop(L, 1);
    passes.push_back(pass);
  }
  return passes;
}

}  // namespace

Result<TaskScript> TaskScript::fetched(const std::string& id, std::string source,
                                       std::string file_name) {
  auto script = from_source(std::move(source), std::move(file_name));
  if (!script) return context(script.error(), "loading task script ", id.substr(0, 12));
  if (script->id() != id)
    return fail("the task script sent for id ", id, " hashes to ", script->id(),
                ": refused (a script is trusted by its bytes, not its name)");
  return script;
}

Result<TaskScript> TaskScript::from_source(std::string source, std::string file_name,
                                           const SandboxLimits& limits) {
  if (source.size() > kMaxScriptBytes)
    return fail(file_name, " is ", source.size(), " bytes; a task script holds at most ",
                kMaxScriptBytes);
  TaskScript script;
  script.source_ = std::move(source);
  script.file_name_ = std::move(file_name);
  script.id_ = sha256_hex(script.source_);
  script.limits_ = limits;
  PrimitiveContext none;
  auto sandbox = script.instantiate(&none);
  if (!sandbox) return pass_on(sandbox);
  auto schema = read_schema(sandbox->state(), script.file_name_);
  if (!schema) return pass_on(schema);
  script.schema_ = std::move(*schema);
  return script;
}

Result<TaskScript> TaskScript::read_file(const std::string& path, const SandboxLimits& limits) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail("no task script at ", path);
  if (std::filesystem::file_size(path, ec) > kMaxScriptBytes)
    return fail(path, " is larger than a task script may be (", kMaxScriptBytes, " bytes)");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return fail("cannot read ", path);
  return from_source(bytes.str(), std::filesystem::path(path).filename().string(), limits);
}

Result<LuaSandbox> TaskScript::instantiate(PrimitiveContext* context) const {
  auto sandbox = LuaSandbox::create(limits_, file_name_);
  if (!sandbox) return pass_on(sandbox);
  register_value_types(sandbox->state());
  open_primitives(sandbox->state(), context);
  if (auto ok = sandbox->run_chunk(source_); !ok) return pass_on(ok);
  return sandbox;
}

Result<std::vector<PassCost>> TaskScript::declared_cost(const ParamValues& params) const {
  PrimitiveContext none;
  auto sandbox = instantiate(&none);
  if (!sandbox) return pass_on(sandbox);
  lua_State* L = sandbox->state();
  lua_getglobal(L, "cost");
  push_params(L, params);
  if (auto ok = sandbox->call(1, 1); !ok) return pass_on(ok);
  auto passes = read_cost(L, file_name_);
  lua_pop(L, 1);
  return passes;
}

}  // namespace seedgrid::task_script

namespace seedgrid::task_script {

Result<std::optional<TaskScript::ImageSize>> TaskScript::declared_size(
    const ParamValues& params) const {
  PrimitiveContext none;
  auto sandbox = instantiate(&none);
  if (!sandbox) return pass_on(sandbox);
  lua_State* L = sandbox->state();
  if (lua_getglobal(L, "size") == LUA_TNIL) {
    lua_pop(L, 1);
    return std::optional<ImageSize>{};
  }
  push_params(L, params);
  if (auto ok = sandbox->call(1, 2); !ok) return pass_on(ok);
  const bool ok = lua_isinteger(L, -2) && lua_isinteger(L, -1) && lua_tointeger(L, -2) >= 1 &&
                  lua_tointeger(L, -1) >= 1;
  const ImageSize size{ok ? lua_tointeger(L, -2) : 0, ok ? lua_tointeger(L, -1) : 0};
  lua_pop(L, 2);
  if (!ok) return fail(file_name_, ": size must return the width and height as positive integers");
  return std::optional<ImageSize>{size};
}

}  // namespace seedgrid::task_script
