#include "runtime/gateway/task_costs.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>

#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/gateway/coordinator_fetch.hpp"

namespace seedgrid::gateway {

namespace {

// The largest side a quoted image may have: a quote makes a blank image of the size it names.
constexpr int kMaxQuotedSide = 8192;

}  // namespace

TaskCosts::TaskCosts(caf::actor_system& system, const caf::actor* coordinator,
                     config::Endpoint endpoint)
    : system_(system),
      coordinator_(coordinator ? std::make_unique<caf::actor>(*coordinator) : nullptr),
      endpoint_(std::move(endpoint)) {}

TaskCosts::~TaskCosts() = default;

Result<std::shared_ptr<const task_script::TaskScript>> TaskCosts::script(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = scripts_.find(id); it != scripts_.end()) return it->second;
  }
  auto target = reach_coordinator(system_, coordinator_.get(), endpoint_);
  if (!target) return pass_on(target);
  auto fetched = fetch_task_script(system_, *target, id);
  if (!fetched) return pass_on(fetched);
  auto kept = std::make_shared<const task_script::TaskScript>(std::move(*fetched));
  std::lock_guard lock(mutex_);
  return scripts_.emplace(id, std::move(kept)).first->second;
}

void TaskCosts::prefetch(const protocol::StatusReport& status) {
  for (const auto& t : status.task_types) {
    auto s = script(t.script_id);
    std::lock_guard lock(mutex_);
    if (s)
      unfetched_.erase(t.script_id);
    else if (unfetched_.insert(t.script_id).second)  // once, not at every report
      logging::logger("gateway")->warn("task type {}: script {} not fetched yet: {}", t.name,
                                       t.script_id, s.error().message);
  }
}

std::size_t TaskCosts::scripts_held() {
  std::lock_guard lock(mutex_);
  return scripts_.size();
}

Result<std::string> task_script_id(const protocol::StatusReport& status, const std::string& name) {
  std::string known = "txt2img";
  for (const auto& t : status.task_types) {
    if (t.name == name) return t.script_id;
    known += ", " + t.name;
  }
  return fail("task \"", name, "\" is not a task type of this network (", known, ")");
}

Result<std::int64_t> TaskCosts::work_of(const std::string& script_id,
                                        const task_script::JobInputs& inputs,
                                        std::int64_t input_pixels) {
  auto script = this->script(script_id);
  if (!script) return pass_on(script);
  auto params = task_script::job_params((*script)->schema(), inputs);
  if (!params) return context(params.error(), (*script)->file_name());
  auto passes = (*script)->declared_cost(*params);
  if (!passes) return pass_on(passes);
  std::int64_t work = input_pixels;
  for (const auto& pass : *passes) work += pass.steps * pass.pixels;
  return work;
}

Result<std::int64_t> TaskCosts::pixel_steps(const TaskCostAsk& ask) {
  // Plain images of the sizes asked stand in for the uploads (a script's size() and cost() read an
  // image's size, never its pixels), each of its own shade: distinct uploads, each carried and
  // priced once (the same file under two parameters travels once, and costs less than quoted).
  std::map<std::string, RgbImage> blanks;
  task_script::JobInputs inputs = ask.inputs;
  std::int64_t input_pixels = 0;
  std::uint8_t shade = 0;
  for (const auto& [param, size] : ask.images) {
    const auto [width, height] = size;
    if (width < 1 || height < 1 || width > kMaxQuotedSide || height > kMaxQuotedSide)
      return fail("image ", param, " is ", width, " x ", height, ": each side must be 1 to ",
                  kMaxQuotedSide);
    RgbImage blank{
        width, height,
        std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3, shade++)};
    const std::string id = protocol::input_image_id(blank);
    inputs.params.push_back({param, id});
    blanks.emplace(id, std::move(blank));
    input_pixels += static_cast<std::int64_t>(width) * height;
  }
  std::sort(inputs.params.begin(), inputs.params.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  inputs.image = [&blanks](const std::string& id) -> const RgbImage* {
    auto it = blanks.find(id);
    return it == blanks.end() ? nullptr : &it->second;
  };
  return work_of(ask.script_id, inputs, input_pixels);
}

Result<std::int64_t> TaskCosts::pixel_steps(const std::string& script_id,
                                            const protocol::GenerateRequest& request) {
  task_script::JobInputs inputs{request.prompt,   request.negative_prompt, request.steps,
                                request.guidance, request.sampler,         request.karras,
                                request.width,    request.height,          {}};
  for (const auto& p : request.params) inputs.params.push_back({p.name, p.value});
  std::map<std::string, const RgbImage*> carried;
  std::int64_t input_pixels = 0;
  for (const auto& image : request.images)
    if (carried.emplace(protocol::input_image_id(image), &image).second)
      input_pixels += static_cast<std::int64_t>(image.width) * image.height;
  inputs.image = [&carried](const std::string& id) -> const RgbImage* {
    auto it = carried.find(id);
    return it == carried.end() ? nullptr : it->second;
  };
  return work_of(script_id, inputs, input_pixels);
}

}  // namespace seedgrid::gateway
