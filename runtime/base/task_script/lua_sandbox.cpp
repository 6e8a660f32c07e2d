#include "runtime/base/task_script/lua_sandbox.hpp"

#include <cstdlib>
#include <cstring>
#include <lua.hpp>
#include <utility>

namespace seedgrid::task_script {

struct LuaSandbox::Budget {
  SandboxLimits limits;
  std::string chunk_name;
  lua_State* L = nullptr;
  std::size_t used = 0;
  std::int64_t instructions = 0;
  // Why the state must stop, at the script's line: the budget ran out (final), or the last
  // allocation the cap refused (final when it ended the call, which the message says). The
  // sandbox's pcall re-raises either, so a script cannot catch its way past them.
  std::string budget_stop;
  std::string cap_stop;

  // The message of a call that failed with `status` and error `message`.
  std::string stop_message(int status, const std::string& message) const {
    if (!budget_stop.empty()) return budget_stop;
    const bool memory = status == LUA_ERRMEM || message == "not enough memory" ||
                        message == "error in error handling" || message == cap_stop;
    return memory && !cap_stop.empty() ? cap_stop : message;
  }
};

namespace {

using Budget = LuaSandbox::Budget;

// The hook runs every this many instructions: the budget is kept to within it.
constexpr int kHookInterval = 1000;

constexpr const char* kWhy =
    "a task script has no files, system, clock or randomness, so it renders the same bytes on "
    "every worker";

Budget& budget_of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<Budget*>(ud);
}

// The chunk name the prelude is loaded under (kPrelude below).
constexpr const char* kPreludeChunk = "=sandbox";

// "script.lua:12" for the innermost function of the script running, or the chunk name alone. The
// prelude's own functions (pairs, string.format, ...) are skipped: the script's line called them.
std::string script_position(lua_State* L, const std::string& chunk_name) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    // "Sl" reads the function's source and line without allocating: safe inside the allocator.
    if (lua_getinfo(L, "Sl", &ar) != 0 && ar.currentline > 0 &&
        std::strcmp(ar.source, kPreludeChunk) != 0)
      return std::string(ar.short_src) + ":" + std::to_string(ar.currentline);
  }
  return chunk_name;
}

void* capped_alloc(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto& b = *static_cast<Budget*>(ud);
  const std::size_t old_bytes = ptr != nullptr ? old_size : 0;  // else old_size names a type
  if (new_size == 0) {
    std::free(ptr);
    b.used -= old_bytes;
    return nullptr;
  }
  if (new_size > old_bytes && b.used + (new_size - old_bytes) > b.limits.memory_cap_bytes) {
    if (b.L != nullptr)
      b.cap_stop = script_position(b.L, b.chunk_name) +
                   ": the script went past its memory cap of " +
                   std::to_string(b.limits.memory_cap_bytes) + " bytes";
    return nullptr;  // Lua raises a memory error (after one emergency collection)
  }
  void* block = std::realloc(ptr, new_size);
  if (block != nullptr) b.used = b.used - old_bytes + new_size;
  return block;
}

void count_hook(lua_State* L, lua_Debug* ar) {
  Budget& b = budget_of(L);
  b.instructions += kHookInterval;
  if (b.instructions <= b.limits.instruction_budget) return;
  lua_getinfo(L, "Sl", ar);
  b.budget_stop = std::string(ar->short_src) + ":" + std::to_string(ar->currentline) +
                  ": the script ran past its instruction budget of " +
                  std::to_string(b.limits.instruction_budget) + " instructions";
  lua_pushstring(L, b.budget_stop.c_str());
  lua_error(L);
}

int forbidden_function(lua_State* L) {
  return luaL_error(L, "%s is not available: %s", lua_tostring(L, lua_upvalueindex(1)), kWhy);
}

int forbidden_member(lua_State* L) {
  const char* library = lua_tostring(L, lua_upvalueindex(1));
  const char* member = lua_tostring(L, 2);
  return luaL_error(L, "%s.%s is not available: %s", library, member ? member : "?", kWhy);
}

// `name` (a global, or a field of the table on top of the stack) becomes a function that raises.
void forbid_function(lua_State* L, const char* name, const char* shown) {
  lua_pushstring(L, shown);
  lua_pushcclosure(L, forbidden_function, 1);
  lua_setfield(L, -2, name);
}

// The global `library` becomes an empty table whose every member raises.
void forbid_library(lua_State* L, const char* library) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, library);
  lua_pushcclosure(L, forbidden_member, 1);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, library);
}

// load(chunk [, name [, mode [, env]]]) of text chunks only.
int text_load(lua_State* L) {
  std::size_t length = 0;
  const char* chunk = lua_tolstring(L, 1, &length);
  if (chunk == nullptr || lua_type(L, 1) != LUA_TSTRING)
    return luaL_error(L, "load takes the chunk as a string in a task script");
  const char* name = luaL_optstring(L, 2, "=(load)");
  const char* mode = luaL_optstring(L, 3, "t");
  if (std::strcmp(mode, "t") != 0)
    return luaL_error(L, "load of binary chunks is not available: %s", kWhy);
  if (luaL_loadbufferx(L, chunk, length, name, "t") != LUA_OK) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;  // nil, message
  }
  if (!lua_isnone(L, 4)) {
    lua_pushvalue(L, 4);
    if (lua_setupvalue(L, -2, 1) == nullptr) lua_pop(L, 1);
  }
  return 1;
}

// stop_reason(message): the budget's or the cap's message when they caused the error, else nil.
int stop_reason(lua_State* L) {
  const Budget& b = budget_of(L);
  const char* caught = lua_tostring(L, 1);
  const std::string message = caught != nullptr ? caught : "";
  const std::string stop = b.stop_message(LUA_ERRRUN, message);
  if (stop == message && stop != b.budget_stop && stop != b.cap_stop) return 0;
  lua_pushstring(L, stop.c_str());
  return 1;
}

// Runs after the libraries open, with the sandbox's own functions as arguments. Everything that
// depends on a memory address or the per-state string hash seed is replaced by an ordered
// version, and pcall cannot swallow the end of the budget or the cap.
constexpr const char* kPrelude = R"lua(
local stop_reason = ...
local next, type, error, rawget, getmetatable, select = next, type, error, rawget, getmetatable, select
local sort, unpack, raw_tostring, raw_format, find =
  table.sort, table.unpack, tostring, string.format, string.find
local raw_pcall, raw_xpcall = pcall, xpcall
local raw_setmetatable = setmetatable

-- Lua runs finalizers with hooks off: a __gc would run outside the instruction budget (a loop in
-- one hung every tool and node that loads the script) and past the memory cap. Lua only marks an
-- object for finalization when its metatable has __gc as it is set, so this check is enough.
function setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: a task script may not set __gc (a finalizer would run outside the "
          .. "script's instruction budget and memory cap)", 2)
  end
  return raw_setmetatable(t, mt)
end

local rank = { number = 1, string = 2, boolean = 3 }
local function before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return rank[ta] < rank[tb] end
  if ta == "boolean" then return (not a) and b end
  return a < b
end

-- Keys in a fixed order (numbers, then strings, then booleans) instead of hash order.
function pairs(t)
  if type(t) ~= "table" then
    error("bad argument #1 to 'pairs' (table expected, got " .. type(t) .. ")", 2)
  end
  local keys = {}
  for k in next, t do
    if rank[type(k)] == nil then
      error("pairs over a table keyed by a " .. type(k) ..
            " has no order that is the same everywhere: key it by numbers or strings", 2)
    end
    keys[#keys + 1] = k
  end
  sort(keys, before)
  local i = 0
  return function()
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, t[k] end
  end, t, nil
end
_ENV.next = nil  -- the global; the local above stays

local addressed = { table = true, userdata = true, ["function"] = true, thread = true }
function tostring(v)
  if addressed[type(v)] then
    local mt = getmetatable(v)
    if not (type(mt) == "table" and rawget(mt, "__tostring")) then return type(v) end
  end
  return raw_tostring(v)
end

function string.format(f, ...)
  if type(f) == "string" and find(f, "%%[-+ #0-9.]*p") then
    error("string.format's %p prints a memory address, which differs between workers", 2)
  end
  local n = select("#", ...)
  local args = { ... }
  for i = 1, n do
    if addressed[type(args[i])] then args[i] = tostring(args[i]) end
  end
  local ok, formatted = raw_pcall(raw_format, f, unpack(args, 1, n))
  if ok then return formatted end
  -- Raised again at the script's line: from here Lua would blame this prelude's line and the
  -- local name raw_format. The budget's or the cap's stop goes on as it is.
  local reason = stop_reason(formatted)
  if reason or type(formatted) ~= "string" then error(reason or formatted, 0) end
  local message = formatted:gsub("^sandbox:%d+: ", ""):gsub("^(bad argument #%d+ to )'[^']*'",
                                                            "%1'format'")
  error(message, 2)
end

-- Lua's pattern matcher runs in C, outside the instruction budget, and backtracks: its work grows
-- up to the subject's length to the power of the pattern's repetitions (plus one for each start
-- position). A call whose bound is past kPatternWork steps is refused rather than run unmetered.
-- Counting every '*', '+', '-' and '?' (even inside a set) overestimates, which only refuses sooner.
local kPatternWork = 1e8
local raw_find, raw_match, raw_gmatch, raw_gsub = string.find, string.match, string.gmatch, string.gsub
local byte = string.byte
local repeats = { [42] = true, [43] = true, [45] = true, [63] = true }  -- * + - ?
local function guard(name, s, p)
  if type(s) == "number" then s = raw_tostring(s) end
  if type(s) ~= "string" or type(p) ~= "string" then return end  -- the C function says why
  local n, i = 0, 1
  while i <= #p do
    local c = byte(p, i)
    if c == 37 then i = i + 2 else  -- '%' escapes the next character
      if repeats[c] then n = n + 1 end
      i = i + 1
    end
  end
  if (#s + 1) ^ (n + 1) > kPatternWork then
    error(name .. ": a pattern with " .. n .. " repetition(s) over " .. #s .. " bytes may take up to (" ..
          #s .. " + 1)^" .. (n + 1) .. " steps, which a task script may not spend outside its " ..
          "instruction budget: use fewer repetitions, a shorter string, or string.find(s, text, 1, true)", 3)
  end
end
function string.find(s, p, init, plain)
  if not plain then guard("string.find", s, p) end
  return raw_find(s, p, init, plain)
end
function string.match(s, p, init) guard("string.match", s, p) return raw_match(s, p, init) end
function string.gmatch(s, p, init) guard("string.gmatch", s, p) return raw_gmatch(s, p, init) end
function string.gsub(s, p, r, n) guard("string.gsub", s, p) return raw_gsub(s, p, r, n) end

local function passed(ok, ...)
  if not ok then
    local reason = stop_reason((...))
    if reason then error(reason, 0) end
  end
  return ok, ...
end
function pcall(...) return passed(raw_pcall(...)) end
function xpcall(...) return passed(raw_xpcall(...)) end
)lua";

Result<void> open_safe_libraries(lua_State* L, Budget& b) {
  const std::pair<const char*, lua_CFunction> libraries[] = {{LUA_GNAME, luaopen_base},
                                                             {LUA_STRLIBNAME, luaopen_string},
                                                             {LUA_TABLIBNAME, luaopen_table},
                                                             {LUA_MATHLIBNAME, luaopen_math},
                                                             {LUA_UTF8LIBNAME, luaopen_utf8}};
  for (const auto& [name, open] : libraries) {
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
  }
  lua_pushglobaltable(L);
  for (const char* name : {"dofile", "loadfile", "require", "collectgarbage", "print"})
    forbid_function(L, name, name);
  lua_pushcfunction(L, text_load);
  lua_setfield(L, -2, "load");
  lua_pop(L, 1);
  lua_getglobal(L, LUA_STRLIBNAME);
  forbid_function(L, "dump", "string.dump");
  lua_pop(L, 1);
  lua_getglobal(L, LUA_MATHLIBNAME);
  forbid_function(L, "random", "math.random");
  forbid_function(L, "randomseed", "math.randomseed");
  lua_pop(L, 1);
  for (const char* library : {"io", "os", "package", "debug", "coroutine"})
    forbid_library(L, library);

  if (luaL_loadbufferx(L, kPrelude, std::strlen(kPrelude), kPreludeChunk, "t") != LUA_OK)
    return fail("the sandbox's prelude does not compile: ", lua_tostring(L, -1));
  lua_pushcfunction(L, stop_reason);
  if (const int status = lua_pcall(L, 1, 0, 0); status != LUA_OK) {
    const char* raised = lua_tostring(L, -1);
    const std::string message = b.stop_message(status, raised != nullptr ? raised : "");
    lua_pop(L, 1);
    return fail("the sandbox could not start within its limits: ", message);
  }
  return {};
}

}  // namespace

Result<LuaSandbox> LuaSandbox::create(const SandboxLimits& limits, std::string chunk_name) {
  // Below this the libraries themselves may not fit, outside any protected call.
  constexpr std::size_t kMinimumCap = std::size_t{256} << 10;
  if (limits.memory_cap_bytes < kMinimumCap)
    return fail("a task script's memory cap must be at least ", kMinimumCap, " bytes, found ",
                limits.memory_cap_bytes);
  if (limits.instruction_budget < 1)
    return fail("a task script's instruction budget must be positive, found ",
                limits.instruction_budget);
  LuaSandbox sandbox;
  sandbox.budget_ = std::make_unique<Budget>();
  Budget& b = *sandbox.budget_;
  b.limits = limits;
  b.chunk_name = std::move(chunk_name);
  lua_State* L = lua_newstate(capped_alloc, &b);
  if (L == nullptr)
    return fail("a Lua state does not fit in the memory cap of ", limits.memory_cap_bytes,
                " bytes");
  b.L = L;
  lua_sethook(L, count_hook, LUA_MASKCOUNT, kHookInterval);
  if (auto ok = open_safe_libraries(L, b); !ok) return pass_on(ok);
  return sandbox;
}

LuaSandbox::LuaSandbox(LuaSandbox&&) noexcept = default;
LuaSandbox& LuaSandbox::operator=(LuaSandbox&& other) noexcept {
  if (this != &other) {
    if (budget_ && budget_->L != nullptr) lua_close(budget_->L);
    budget_ = std::move(other.budget_);
  }
  return *this;
}
LuaSandbox::~LuaSandbox() {
  if (budget_ && budget_->L != nullptr) lua_close(budget_->L);
}

lua_State* LuaSandbox::state() const { return budget_->L; }
const std::string& LuaSandbox::chunk_name() const { return budget_->chunk_name; }
const SandboxLimits& LuaSandbox::limits() const { return budget_->limits; }

Result<void> LuaSandbox::run_chunk(std::string_view source) {
  lua_State* L = budget_->L;
  const std::string name = "@" + budget_->chunk_name;
  const int status = luaL_loadbufferx(L, source.data(), source.size(), name.c_str(), "t");
  if (status != LUA_OK) {
    const char* raised = lua_tostring(L, -1);
    const std::string message = budget_->stop_message(status, raised != nullptr ? raised : "");
    lua_pop(L, 1);
    return fail(message);
  }
  return call(0, 0);
}

Result<void> LuaSandbox::call(int nargs, int nresults) {
  lua_State* L = budget_->L;
  const int status = lua_pcall(L, nargs, nresults, 0);
  if (status == LUA_OK) return {};
  std::string message;
  if (lua_type(L, -1) == LUA_TSTRING)
    message = budget_->stop_message(status, lua_tostring(L, -1));
  else if (!budget_->budget_stop.empty())
    message = budget_->budget_stop;
  else
    message = budget_->chunk_name + ": the script raised an error that is not a string (a " +
              luaL_typename(L, -1) + ")";
  lua_pop(L, 1);
  return fail(message);
}

void LuaSandbox::charge(lua_State* L, std::size_t bytes) {
  Budget& b = budget_of(L);
  if (b.used + bytes > b.limits.memory_cap_bytes) {
    b.cap_stop = script_position(L, b.chunk_name) + ": the script went past its memory cap of " +
                 std::to_string(b.limits.memory_cap_bytes) + " bytes";
    lua_pushstring(L, b.cap_stop.c_str());
    lua_error(L);
  }
  b.used += bytes;
}

void LuaSandbox::release(lua_State* L, std::size_t bytes) { budget_of(L).used -= bytes; }

}  // namespace seedgrid::task_script
