#pragma once
// The parameters a scripted job runs with, from what its request signed, so the coordinator (at
// submit, to refuse a bad request before anything is charged) and the worker (to run it) resolve
// the same values:
//   - the request's standard fields (prompt, negative_prompt, steps, guidance, sampler, karras,
//     width, height) are the script's parameters of the same name, where it declares them, so
//     `generate --task hires_fix --prompt ... --width 256` means what it says;
//   - the request's params (text, "strength" = "0.3") are its other parameters, parsed against
//     the schema; a param that names a standard field is refused (the field is its one value).
//   - an image parameter's value is the id of an image that came with the request
//     (protocol/input_image.hpp); `image` finds its pixels.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/task_script/task_schema.hpp"

namespace seedgrid::task_script {

// What a job's request signed that a script reads. Its own struct, not protocol::JobSpec: this
// layer and the protocol's stay independent (tests/layers/layers.rules); the coordinator and the
// worker copy a spec's fields in.
struct JobInputs {
  std::string prompt, negative_prompt;
  std::uint32_t steps = 0;
  float guidance = 0.0f;
  std::string sampler;
  bool karras = false;
  std::uint32_t width = 0, height = 0;
  struct Text {
    std::string name, value;
  };
  std::vector<Text> params;  // as signed: sorted by name, each once
  // The pixels of the image with an id (the request's images at the coordinator, the fetched
  // ones at a worker or validator); null: no such image here. Unset: the job has no images.
  std::function<const RgbImage*(const std::string& id)> image;
};

// Resolved against the schema (defaults filled in); every error names the parameter and value.
Result<ParamValues> job_params(const TaskSchema& schema, const JobInputs& inputs);

// Whether `name` is one of the request's standard fields listed above.
bool is_standard_field(std::string_view name);

}  // namespace seedgrid::task_script
