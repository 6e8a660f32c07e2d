#include "runtime/base/task_script/task_run.hpp"

#include <lua.hpp>

#include "runtime/base/task_script/lua_values.hpp"
#include "runtime/base/verify/commitment/job_trajectory.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"

namespace seedgrid::task_script {
namespace {

constexpr int kMaxImages = 64;

// run()'s result (on top of the stack): one image or a list of images.
Result<std::vector<RgbImage>> read_images(lua_State* L, const std::string& file) {
  if (const RgbImage* image = to_image(L, -1)) return std::vector<RgbImage>{*image};
  const std::string expected = "an image (sd.decode's result) or a list of images";
  if (lua_type(L, -1) != LUA_TTABLE)
    return fail(file, ": run must return ", expected, ", found ", luaL_typename(L, -1));
  const lua_Integer n = luaL_len(L, -1);
  if (n < 1 || n > kMaxImages)
    return fail(file, ": run returned ", n, " images, expected 1 to ", kMaxImages);
  std::vector<RgbImage> images;
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_geti(L, -1, i);
    const RgbImage* image = to_image(L, -1);
    if (image != nullptr) images.push_back(*image);
    const std::string found = luaL_typename(L, -1);
    lua_pop(L, 1);
    if (image == nullptr)
      return fail(file, ": run's result [", i, "] must be an image, found ", found);
  }
  return images;
}

// Each pass was checked against its declaration as it started (task_primitives.cpp); what is
// left is a script that ran fewer.
Result<void> check_declared(const std::vector<PassCost>& declared,
                            const std::vector<PassRecord>& ran, const std::string& file) {
  if (declared.size() != ran.size())
    return fail(file, ": the script ran ", ran.size(), " sampler passes but its cost() declared ",
                declared.size(), ": a job runs what it is priced for");
  return {};
}

}  // namespace

std::vector<Digest> job_leaves_of(const std::vector<PassRecord>& passes) {
  std::vector<std::vector<Digest>> per_pass;
  per_pass.reserve(passes.size());
  for (const auto& pass : passes) per_pass.push_back(pass.leaves);
  return verify::job_leaves(per_pass);
}

Result<TaskOutput> run_task(const TaskScript& script, const Pipeline& pipeline,
                            const ParamValues& params, std::uint64_t seed,
                            const TaskHooks& hooks, const std::vector<PassCost>* declared) {
  auto resolved = resolve_params(script.schema(), params);
  if (!resolved) return context(resolved.error(), script.file_name());
  std::vector<PassCost> asked;
  if (declared == nullptr) {
    auto cost = script.declared_cost(*resolved);
    if (!cost) return pass_on(cost);
    asked = std::move(*cost);
    declared = &asked;
  }

  PrimitiveContext context{&pipeline, *declared, {}, hooks};
  auto sandbox = script.instantiate(&context);
  if (!sandbox) return pass_on(sandbox);
  lua_State* L = sandbox->state();
  lua_getglobal(L, "run");
  push_params(L, *resolved);
  lua_pushinteger(L, static_cast<lua_Integer>(seed));  // two's complement: every u64 seed
  if (auto ok = sandbox->call(2, 1); !ok) return pass_on(ok);
  auto images = read_images(L, script.file_name());
  lua_pop(L, 1);
  if (!images) return pass_on(images);
  if (auto ok = check_declared(*declared, context.passes, script.file_name()); !ok)
    return pass_on(ok);
  TaskOutput out{std::move(*images), std::move(context.passes), {}, 0};
  const std::vector<Digest> leaves = job_leaves_of(out.passes);
  out.trajectory_root = verify::merkle_root(leaves);
  out.leaf_count = static_cast<std::uint32_t>(leaves.size());
  return out;
}

}  // namespace seedgrid::task_script
