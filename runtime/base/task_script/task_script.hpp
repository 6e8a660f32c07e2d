#pragma once
// A task type as a Lua script: its bytes, its id (the SHA-256 of the bytes, as a model's), the
// schema it declares and the cost it declares for given parameters. A script defines, as
// globals:
//
//   name = "txt2img"                        -- an identifier
//   description = "..."                     -- optional
//   params = { {name = "steps", type = "int", min = 1, max = 150, default = 20}, ... }
//   function cost(p) return { {steps = p.steps, pixels = p.width * p.height} } end
//   function run(p, seed) ... return image end   -- an image, or a list of images
//   function size(p) return width, height end    -- optional: the image's size, where the
//                                                -- parameters (an input image) decide it
//
// Every use (reading the schema, the cost, a run) runs the script in a fresh sandbox
// (lua_sandbox.hpp), so nothing one job does is seen by the next.
#include <optional>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/task_script/lua_sandbox.hpp"
#include "runtime/base/task_script/task_primitives.hpp"
#include "runtime/base/task_script/task_schema.hpp"

namespace seedgrid::task_script {

class TaskScript {
 public:
  // `file_name` names the script in every error ("txt2img.lua:12: ...").
  static Result<TaskScript> from_source(std::string source, std::string file_name,
                                        const SandboxLimits& limits = {});
  static Result<TaskScript> read_file(const std::string& path, const SandboxLimits& limits = {});
  // A script fetched by its id (a worker's, a validator's, the gateway's): taken only when its
  // bytes hash to that id; a script is trusted by its bytes, never its name.
  static Result<TaskScript> fetched(const std::string& id, std::string source,
                                    std::string file_name);

  const std::string& source() const { return source_; }
  const std::string& file_name() const { return file_name_; }
  const std::string& id() const { return id_; }  // SHA-256 of the bytes, lower-case hex
  const TaskSchema& schema() const { return schema_; }
  const SandboxLimits& limits() const { return limits_; }

  // The passes the script declares for resolved parameters (resolve_params).
  Result<std::vector<PassCost>> declared_cost(const ParamValues& params) const;

  // The width and height size(p) declares for resolved parameters; none when the script
  // defines no size() (the image is then the request's width x height).
  struct ImageSize {
    std::int64_t width = 0, height = 0;
  };
  Result<std::optional<ImageSize>> declared_size(const ParamValues& params) const;

  // A fresh sandbox with the primitives bound to `context` and the script's chunk run.
  Result<LuaSandbox> instantiate(PrimitiveContext* context) const;

 private:
  std::string source_, file_name_, id_;
  TaskSchema schema_;
  SandboxLimits limits_;
};

}  // namespace seedgrid::task_script
