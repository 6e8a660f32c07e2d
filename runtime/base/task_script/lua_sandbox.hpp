#pragma once
// One Lua 5.4 state a task script runs in, with what a script may not do taken away: only the
// base, string, table, math and utf8 libraries, without files (io, dofile, loadfile), the system
// (os), modules (package, require), introspection (debug), binary chunks (load of bytecode,
// string.dump), randomness or a clock (math.random), garbage-collector control, or anything
// whose result depends on memory addresses (pairs/next order, tostring of a table, %p).
// Each state has an instruction budget (a count hook) and a memory cap (its allocator, also
// charged with the host memory of the tensors and images the script holds). A forbidden call, a
// budget or a cap exceeded, or a Lua error ends the call with the script's own message and line.
//
// Lua is linked as C++ (Debian's liblua5.4-c++), so a Lua error unwinds C++ frames as an
// exception and the host's bindings may hold C++ objects across Lua calls.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"

struct lua_State;

namespace seedgrid::task_script {

struct SandboxLimits {
  std::int64_t instruction_budget = 50'000'000;  // Lua VM instructions per state
  std::size_t memory_cap_bytes = std::size_t{512} << 20;
};

class LuaSandbox {
 public:
  // A fresh state with the safe libraries; `chunk_name` (the script's file name) names it in
  // every error.
  static Result<LuaSandbox> create(const SandboxLimits& limits, std::string chunk_name);
  LuaSandbox(LuaSandbox&&) noexcept;
  LuaSandbox& operator=(LuaSandbox&&) noexcept;
  ~LuaSandbox();

  lua_State* state() const;
  const std::string& chunk_name() const;
  const SandboxLimits& limits() const;

  // Compiles and runs `source` (text only) as the script's main chunk.
  Result<void> run_chunk(std::string_view source);
  // Calls the function under `nargs` arguments on the stack, leaving `nresults` results; an
  // error is the script's message with its line.
  Result<void> call(int nargs, int nresults);

  // Host memory the script holds through a value (a tensor, an image), counted against the cap.
  // charge raises a Lua error at the script's line when the cap would be passed: call it only
  // from a function Lua called.
  static void charge(lua_State* L, std::size_t bytes);
  static void release(lua_State* L, std::size_t bytes);

  struct Budget;  // the allocator's and the hook's state (lua_sandbox.cpp)

 private:
  LuaSandbox() = default;
  std::unique_ptr<Budget> budget_;
};

}  // namespace seedgrid::task_script
