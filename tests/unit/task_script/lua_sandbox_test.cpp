// The sandbox a task script runs in: what it refuses, where it stops, and that every error names
// the script and its line.
#include "runtime/base/task_script/lua_sandbox.hpp"

#include <gtest/gtest.h>

namespace seedgrid::task_script {
namespace {

// The error of running `source` as "probe.lua", or "<ok>".
std::string error_of(const std::string& source, SandboxLimits limits = {}) {
  auto sandbox = LuaSandbox::create(limits, "probe.lua");
  if (!sandbox) return "create: " + sandbox.error().message;
  auto ok = sandbox->run_chunk(source);
  return ok ? std::string("<ok>") : ok.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LuaSandbox, RunsPlainLua) {
  EXPECT_EQ(error_of("local t = {} for i = 1, 10 do t[i] = i * 2 end\n"
                     "assert(#t == 10 and string.format('%d', t[3]) == '6')\n"
                     "assert(math.floor(2.5) == 2 and utf8.char(72) == 'H')"),
            "<ok>");
}

TEST(LuaSandbox, RefusesFilesSystemAndModulesWithTheLine) {
  const std::string io = error_of("local x = 1\nlocal f = io.open('/etc/passwd')");
  EXPECT_TRUE(contains(io, "probe.lua:2: io.open is not available")) << io;
  EXPECT_TRUE(contains(io, "no files, system, clock or randomness")) << io;
  const std::string os = error_of("return os.time()");
  EXPECT_TRUE(contains(os, "probe.lua:1: os.time is not available")) << os;
  const std::string req = error_of("\n\nrequire('socket')");
  EXPECT_TRUE(contains(req, "probe.lua:3: require is not available")) << req;
  for (const char* call :
       {"dofile('x.lua')", "loadfile('x.lua')", "collectgarbage()", "print('hi')",
        "debug.getinfo(1)", "package.loadlib('a', 'b')", "string.dump(print)", "math.random()",
        "math.randomseed(1)", "coroutine.create(print)"})
    EXPECT_TRUE(contains(error_of(call), "is not available")) << call << ": " << error_of(call);
}

// The matcher runs in C outside the budget, so a pattern that could backtrack for long is refused
// before it runs; ordinary patterns, and plain finds on long strings, work.
TEST(LuaSandbox, APatternThatCouldRunPastTheBudgetIsRefusedWithTheLine) {
  const std::string slow =
      error_of("local s = string.rep('a', 20000)\nlocal x = s:match('.-.-.-b')");
  EXPECT_TRUE(contains(slow,
                       "probe.lua:2: string.match: a pattern with 3 repetition(s) over 20000 "
                       "bytes"))
      << slow;
  const std::string gsub =
      error_of("local s = string.rep('ab', 5000)\nstring.gsub(s, 'a*b*a*', '')");
  EXPECT_TRUE(contains(gsub, "probe.lua:2: string.gsub:")) << gsub;
  EXPECT_EQ(
      error_of("assert(('steps=20'):match('^(%a+)=(%d+)$') == 'steps')\n"
               "assert(select(2, ('a,b,c'):gsub(',', ';')) == 2)\n"
               "local n = 0 for w in ('x y z'):gmatch('%a+') do n = n + 1 end assert(n == 3)\n"
               "assert(string.find(string.rep('a', 100000) .. 'b', 'b', 1, true) == 100001)\n"
               "assert(string.find(12345, '3') == 3)"),
      "<ok>");
}

TEST(LuaSandbox, LoadTakesTextChunksOnly) {
  EXPECT_EQ(error_of("local f = load('return 1 + 1') assert(f() == 2)"), "<ok>");
  const std::string binary = error_of("load('return 1', 'x', 'b')");
  EXPECT_TRUE(contains(binary, "load of binary chunks is not available")) << binary;
  EXPECT_EQ(error_of("local f, err = load('\\27Lua') assert(f == nil and err:find('binary'))"),
            "<ok>");
}

TEST(LuaSandbox, AnInfiniteLoopStopsAtTheBudget) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const std::string e = error_of("local n = 0\nwhile true do\n  n = n + 1\nend", limits);
  EXPECT_TRUE(contains(e, "probe.lua:")) << e;
  EXPECT_TRUE(contains(e, "ran past its instruction budget of 200000")) << e;
}

// Lua runs finalizers with its hooks off, so a __gc would escape the budget (a `while true do
// end` in one hung `seedgrid task check` and every node loading the script) and the memory cap.
TEST(LuaSandbox, AFinalizerIsRefusedWithTheLine) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const std::string e =
      error_of("local x = 1\nsetmetatable({}, {__gc = function() while true do end end})", limits);
  EXPECT_TRUE(contains(e, "probe.lua:2: setmetatable: a task script may not set __gc")) << e;
  EXPECT_EQ(error_of("local t = setmetatable({}, {__index = function(_, k) return k .. '!' end})\n"
                     "assert(t.a == 'a!')"),
            "<ok>")
      << "other metamethods work";
}

TEST(LuaSandbox, PcallCannotSwallowTheBudget) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const std::string e =
      error_of("while true do pcall(function() while true do end end) end", limits);
  EXPECT_TRUE(contains(e, "ran past its instruction budget")) << e;
}

TEST(LuaSandbox, UnboundedAllocationStopsAtTheCap) {
  SandboxLimits limits;
  limits.memory_cap_bytes = 4 << 20;
  const std::string table = error_of("local t = {}\nfor i = 1, 1e9 do\n  t[i] = {i}\nend", limits);
  EXPECT_TRUE(contains(table, "probe.lua:3: the script went past its memory cap of 4194304"))
      << table;
  const std::string text = error_of("local s = 'x'\nwhile true do s = s .. s end", limits);
  EXPECT_TRUE(contains(text, "probe.lua:2: the script went past its memory cap")) << text;
  const std::string caught = error_of("pcall(string.rep, 'x', 1e8)\nreturn 1", limits);
  EXPECT_TRUE(contains(caught, "went past its memory cap")) << caught;
}

TEST(LuaSandbox, ErrorsCarryTheScriptsOwnMessageAndLine) {
  EXPECT_EQ(error_of("local a = 1\n\nerror('the mask is empty')"),
            "probe.lua:3: the mask is empty");
  EXPECT_EQ(error_of("local t = nil\nlocal x = t.field"),
            "probe.lua:2: attempt to index a nil value (local 't')");
  EXPECT_EQ(error_of("x = = 1"), "probe.lua:1: unexpected symbol near '='");
  EXPECT_EQ(error_of("error({})"),
            "probe.lua: the script raised an error that is not a string (a table)");
  // string.format is the sandbox's own wrapper: its errors still name the script's line and the
  // function the script called, not the wrapper's.
  EXPECT_EQ(error_of("local n = 'x'\nlocal s = string.format('%d', n)"),
            "probe.lua:2: bad argument #2 to 'format' (number expected, got string)");
  SandboxLimits limits;
  limits.memory_cap_bytes = 4 << 20;
  const std::string huge =
      error_of("local t = {}\nfor i = 1, 1e9 do t[i] = string.format('%099d', i) end", limits);
  EXPECT_TRUE(contains(huge, "probe.lua:2: the script went past its memory cap")) << huge;
}

TEST(LuaSandbox, NothingDependsOnAddressesOrHashOrder) {
  EXPECT_EQ(
      error_of("local t = {zeta = 1, alpha = 2, [3] = 3, [1] = 4, mid = 5}\n"
               "local keys = {}\n"
               "for k in pairs(t) do keys[#keys + 1] = tostring(k) end\n"
               "assert(table.concat(keys, ',') == '1,3,alpha,mid,zeta', table.concat(keys, ','))\n"
               "assert(next == nil)\n"
               "assert(tostring({}) == 'table' and tostring(print) == 'function')\n"
               "assert(string.format('%s', {}) == 'table')"),
      "<ok>");
  EXPECT_TRUE(contains(error_of("string.format('%p', {})"), "memory address"));
  EXPECT_TRUE(contains(error_of("for k in pairs({[{}] = 1}) do end"), "no order"));
}

TEST(LuaSandbox, RefusesLimitsItCannotKeep) {
  SandboxLimits limits;
  limits.memory_cap_bytes = 1000;
  EXPECT_TRUE(contains(error_of("", limits), "memory cap must be at least"));
}

}  // namespace
}  // namespace seedgrid::task_script
