#include "actors/coordinator/task_admission.hpp"

#include <map>

#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/network_limits.hpp"
#include "runtime/base/task_script/job_params.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::refuse;

TaskAdmission admit_task(const protocol::GenerateRequest& r, const TaskCatalog& tasks,
                         const config::RequestLimits& limits) {
  const task_script::TaskScript* script = tasks.find(r.task_type);
  if (script == nullptr) {
    if (r.images.empty()) return {};
    return {refuse(ErrorCode::invalid_task_param,
                   "task " + r.task_type + " takes no images; the request carries " +
                       std::to_string(r.images.size())),
            std::nullopt};
  }
  const std::string of_task = "task " + r.task_type + " (" + script->file_name() + "): ";
  auto bad = [&](const std::string& why) {
    return TaskAdmission{refuse(ErrorCode::invalid_task_param, of_task + why), std::nullopt};
  };
  // The images, by id: each within the network's image limits and sent once.
  std::map<std::string, const RgbImage*> images;
  std::uint64_t input_pixels = 0;
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    const RgbImage& image = r.images[i];
    const std::string what = "image " + std::to_string(i + 1) + " of the request";
    if (auto ok = protocol::check_input_image(image, limits.max_width, limits.max_height, what);
        !ok)
      return bad(ok.error().message);
    if (!images.emplace(protocol::input_image_id(image), &image).second)
      return bad(what + " is sent twice");
    input_pixels += static_cast<std::uint64_t>(image.width) * image.height;
  }
  // A value is signed, journaled and sent with every job, and written into the image's text: no
  // longer than a prompt may be, and text as a prompt is.
  for (const auto& p : r.params) {
    if (p.value.size() > limits.max_prompt_bytes)
      return bad("parameter " + p.name.substr(0, 40) + " is " + std::to_string(p.value.size()) +
                 " bytes, at most " + std::to_string(limits.max_prompt_bytes) + " are accepted");
    if (auto why = protocol::text_refusal("parameter " + p.name.substr(0, 40), p.value))
      return bad(*why);
  }
  // Every job of the request runs with these parameters (only the seed differs between them).
  task_script::JobInputs inputs{r.prompt, r.negative_prompt, r.steps,  r.guidance, r.sampler,
                                r.karras, r.width,           r.height, {}};
  for (const auto& p : r.params) inputs.params.push_back({p.name, p.value});
  inputs.image = [&images](const std::string& id) -> const RgbImage* {
    auto it = images.find(id);
    return it == images.end() ? nullptr : it->second;
  };
  auto params = task_script::job_params(script->schema(), inputs);
  if (!params) return bad(params.error().message);
  // An image no parameter names would be stored and carried for nothing.
  for (const auto& [id, image] : images) {
    bool named = false;
    for (const auto& p : r.params) named = named || p.value == id;
    if (!named)
      return bad("the request carries image " + id.substr(0, 12) + "... (" +
                 std::to_string(image->width) + " x " + std::to_string(image->height) +
                 "), which no parameter names");
  }
  // Every job delivers the request's width x height (receipts, clients and prices assume it).
  auto size = script->declared_size(*params);
  if (!size) return bad(size.error().message);
  if (*size && ((*size)->width != r.width || (*size)->height != r.height))
    return bad("it renders " + std::to_string((*size)->width) + " x " +
               std::to_string((*size)->height) + " for these parameters, the request asks for " +
               std::to_string(r.width) + " x " + std::to_string(r.height) + " (give --width " +
               std::to_string((*size)->width) + " --height " + std::to_string((*size)->height) +
               ")");
  auto declared = script->declared_cost(*params);
  if (!declared) return bad(declared.error().message);
  if (declared->empty()) return bad("its cost() declares no sampler pass for these parameters");
  RequestTask task{script->id(), {}, input_pixels};
  const std::uint64_t max_pixels = std::uint64_t{limits.max_width} * limits.max_height;
  for (std::size_t i = 0; i < declared->size(); ++i) {
    const auto& pass = (*declared)[i];
    const std::string which = "pass " + std::to_string(i + 1) + " of these parameters";
    if (pass.steps < 0 || pass.steps > static_cast<std::int64_t>(limits.max_steps))
      return bad(which + " runs " + std::to_string(pass.steps) + " steps; this network runs 0 to " +
                 std::to_string(limits.max_steps));
    if (pass.pixels < 1 || static_cast<std::uint64_t>(pass.pixels) > max_pixels)
      return bad(which + " renders " + std::to_string(pass.pixels) +
                 " pixels; this network renders at most " + std::to_string(max_pixels) + " (" +
                 std::to_string(limits.max_width) + " x " + std::to_string(limits.max_height) +
                 ")");
    task.passes.push_back(
        {static_cast<std::uint32_t>(pass.steps), static_cast<std::uint64_t>(pass.pixels)});
  }
  return {protocol::Reply{}, std::move(task)};
}

}  // namespace seedgrid::coordinator
