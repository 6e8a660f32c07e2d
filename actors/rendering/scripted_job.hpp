#pragma once
// One job of a scripted task type (protocol::JobSpec::scripted): the script run over the job's
// model with the parameters its request signed, as a worker renders it and as a validator's full
// audit renders it again. Deterministic failures (the script's own error, its budget, its memory
// cap, a schema or cost that disagrees with what the coordinator priced) carry
// protocol::ErrorCode::task_script_failed with the script's message; a cancel does not.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rendering/renderer.hpp"
#include "models/pipeline/sampling_pass.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/task_script/task_schema.hpp"
#include "runtime/base/verify/receipt_check.hpp"

namespace seedgrid {
class Pipeline;
}
namespace seedgrid::task_script {
class TaskScript;
}

namespace seedgrid::rendering {

struct ScriptedJobOptions {
  // The job's input images by id (Renderer::input_images_of); null for a job without any.
  ImageLookup images;
  // A worker keeps every pass's latents (RenderedImage::trajectory, leaves in the job's tree) to
  // open them for audits.
  bool keep_latents = false;
  // The test-only cheat zoo's (task_script::TaskHooks::alter_pass); null otherwise.
  std::function<void(std::uint32_t, SamplingPass&)> alter_pass;
};
Result<RenderedImage> render_scripted_job(const task_script::TaskScript& script,
                                          const Pipeline& pipeline, const protocol::JobSpec& spec,
                                          const RenderHooks& hooks,
                                          const ScriptedJobOptions& options = {});

// The job's parameters resolved against the script (its images through `images`) and the passes
// its cost() declares for them, which must be the ones the coordinator priced (spec.passes).
// Failures carry protocol::ErrorCode::task_script_failed.
struct ScriptedJobPlan {
  task_script::ParamValues params;
  std::vector<task_script::PassCost> declared;
};
Result<ScriptedJobPlan> plan_scripted_job(const task_script::TaskScript& script,
                                          const protocol::JobSpec& spec,
                                          const ImageLookup& images);

// The images a scripted job's parameters name: each parameter its script types `image`, with the
// image's id (its value). Everything that fetches, keeps or checks a job's images asks this.
struct NamedImage {
  std::string param, id;
};
std::vector<NamedImage> images_named(const task_script::TaskScript& script,
                                     const protocol::JobSpec& spec);

// A receipt's scripted job run again for `seedgrid audit --full` and the gateway's re-audit
// (verify::ReceiptCheckOptions::rerun_scripted), with the images it names by id in `images`; a
// missing one is named, with `how_to_give` it.
Result<verify::ScriptedRerender> rerender_scripted(const task_script::TaskScript& script,
                                                   const Pipeline& pipeline,
                                                   const protocol::JobSpec& spec,
                                                   const std::map<std::string, RgbImage>& images,
                                                   std::string_view how_to_give);

}  // namespace seedgrid::rendering
