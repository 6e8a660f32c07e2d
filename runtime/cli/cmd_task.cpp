// `seedgrid task`: a researcher's loop over a task script (runtime/base/task_script) before it
// goes to a network.
//   task check FILE.lua   the script loads in the sandbox, its parameter schema, the cost it
//                         declares (for the defaults, or for --param values), and its size()
//                         and cost() for each declared choice of each parameter
//   task run FILE.lua     one job on this machine: PNG(s), each pass's steps, time and
//                         trajectory root, and each image's output hash
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/backend/backend_choice.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/task_script/task_check.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/input_file.hpp"
#include "runtime/cli/output_file.hpp"
#include "runtime/cli/seed_option.hpp"

namespace seedgrid::cli {
namespace {

using task_script::ParamValues;
using task_script::TaskScript;

// What `check` stands in for an image parameter, to evaluate the declared cost.
constexpr int kPlaceholderSide = 512;

struct TaskOptions {
  std::string script;
  std::vector<std::string> params;  // k=v
  std::string model;
  std::string tokenizer;
  std::string seed = "0";
  std::string out;
  int threads = 0;
  std::string device = "cpu";
};

int error_exit(const char* command, const std::string& message) {
  std::fprintf(stderr, "seedgrid task %s: %s\n", command, message.c_str());
  return 1;
}

int usage_exit(const char* command, const std::string& message) {
  std::fprintf(stderr, "seedgrid task %s: %s\n", command, message.c_str());
  return kUsageError;
}

// --param k=v values typed by the script's schema; an image parameter's value is a PNG path.
Result<ParamValues> parse_params(const TaskScript& script, const std::vector<std::string>& given) {
  ParamValues values;
  for (const std::string& item : given) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("--param takes name=value, found \"", item, "\"");
    const std::string name = item.substr(0, eq), text = item.substr(eq + 1);
    if (values.contains(name)) return fail("--param ", name, " is given twice");
    const task_script::ParamSpec* spec = script.schema().find(name);
    if (spec == nullptr) {
      values.emplace(name, text);  // resolve_params names it and lists the known ones
      continue;
    }
    if (spec->type == task_script::ParamType::image) {
      auto png = read_png(text);
      if (!png) return context(png.error(), "parameter ", name);
      values.emplace(name, std::move(png->image));
      continue;
    }
    auto value = task_script::parse_param_text(*spec, text);
    if (!value) return pass_on(value);
    values.emplace(name, std::move(*value));
  }
  return values;
}

std::string describe_spec(const task_script::ParamSpec& p) {
  std::string out = std::string(task_script::param_type_name(p.type));
  if (p.min || p.max)
    out += message_of(" in [", p.min ? message_of(*p.min) : std::string("-inf"), ", ",
                      p.max ? message_of(*p.max) : std::string("inf"), "]");
  if (!p.choices.empty()) {
    out += " one of";
    for (const auto& c : p.choices) out += " " + c;
  }
  out += p.default_value ? ", default " + task_script::describe_value(*p.default_value)
                         : std::string(", required");
  return out;
}

// Every declared choice planned with the other parameters as `given`: a choice the script's own
// code cannot handle is found here, not when a request first picks it (task_check.hpp).
int report_choices(const TaskScript& script, const ParamValues& given) {
  const task_script::ChoiceCheck check = task_script::check_choices(script, given);
  if (check.declared == 0) return 0;
  for (const auto& f : check.failures)
    std::fprintf(stderr, "seedgrid task check: parameter %s, choice \"%s\": %s\n", f.param.c_str(),
                 f.choice.c_str(), f.error.message.c_str());
  // A choice the parameters above already hold was planned with them.
  std::printf(
      "  choices: %zu of %zu declared planned (size and cost) with the other parameters "
      "as above: %s\n",
      check.declared - check.skipped, check.declared,
      check.failures.empty() ? "ok" : message_of(check.failures.size(), " failed").c_str());
  if (check.skipped > 0)
    std::printf("  (%zu choices past the first %zu were not planned)\n", check.skipped,
                task_script::kMaxChoicePlans);
  if (check.failures.empty()) return 0;
  std::fprintf(stderr,
               "seedgrid task check: a request that picks a failing choice is refused: handle it "
               "in the script or drop it from the parameter's choices\n");
  return 1;
}

int run_check(const TaskOptions& o) {
  if (auto ok = check_input("FILE", o.script); !ok) return usage_exit("check", ok.error().message);
  auto script = TaskScript::read_file(o.script);
  if (!script) return error_exit("check", script.error().message);
  const task_script::TaskSchema& schema = script->schema();
  std::printf("%s: task %s\n", script->file_name().c_str(), schema.name.c_str());
  if (!schema.description.empty()) std::printf("  %s\n", schema.description.c_str());
  std::printf("  script id (sha256): %s\n", script->id().c_str());
  std::printf("  parameters:\n");
  for (const auto& p : schema.params)
    std::printf("    %-18s %s%s%s\n", p.name.c_str(), describe_spec(p).c_str(),
                p.help.empty() ? "" : "  -- ", p.help.c_str());

  auto given = parse_params(*script, o.params);
  if (!given) return usage_exit("check", given.error().message);
  std::vector<std::string> placeholders;
  for (const auto& p : schema.params)
    if (p.type == task_script::ParamType::image && !given->contains(p.name)) {
      given->emplace(p.name,
                     RgbImage{kPlaceholderSide, kPlaceholderSide,
                              std::vector<std::uint8_t>(kPlaceholderSide * kPlaceholderSide * 3)});
      placeholders.push_back(p.name);
    }
  auto resolved = task_script::resolve_params(schema, *given);
  if (!resolved) return usage_exit("check", resolved.error().message);
  auto cost = task_script::plan_task(*script, *resolved);
  if (!cost) return error_exit("check", cost.error().message);
  std::string basis = o.params.empty() ? "the defaults" : "these parameters";
  for (const auto& name : placeholders)
    basis += message_of(", ", name, " as a ", kPlaceholderSide, "x", kPlaceholderSide, " image");
  std::printf("  declared cost (%s): %zu pass%s\n", basis.c_str(), cost->size(),
              cost->size() == 1 ? "" : "es");
  std::int64_t total = 0;
  for (std::size_t i = 0; i < cost->size(); ++i) {
    const auto& pass = (*cost)[i];
    std::printf("    pass %zu: %lld steps over %lld pixels\n", i + 1,
                static_cast<long long>(pass.steps), static_cast<long long>(pass.pixels));
    total += pass.steps * pass.pixels;
  }
  if (int status = report_choices(*script, *given); status != 0) return status;
  std::printf("  ok: %lld step-pixels in all\n", static_cast<long long>(total));
  return 0;
}

// out.png -> out-2.png for the second of several images.
std::string output_path(const std::string& out, std::size_t index, std::size_t count) {
  if (count == 1) return out;
  const std::filesystem::path p(out);
  return (p.parent_path() /
          (p.stem().string() + "-" + std::to_string(index) + p.extension().string()))
      .string();
}

int run_task_command(const TaskOptions& o) {
  auto seed_given = parse_seed(o.seed);
  if (!seed_given) return usage_exit("run", seed_given.error().message);
  const std::uint64_t seed = seed_given->value_or(random_seed());
  if (!*seed_given)
    std::fprintf(stderr, "seedgrid task run: random seed %llu\n",
                 static_cast<unsigned long long>(seed));
  for (auto [option, path, folder] :
       {std::tuple{"FILE", &o.script, false}, std::tuple{"--model", &o.model, true}})
    if (auto ok = check_input(option, *path, folder); !ok)
      return usage_exit("run", ok.error().message);
  if (!o.tokenizer.empty())
    if (auto ok = check_input("--tokenizer", o.tokenizer, true); !ok)
      return usage_exit("run", ok.error().message);
  auto script = TaskScript::read_file(o.script);
  if (!script) return error_exit("run", script.error().message);
  auto given = parse_params(*script, o.params);
  if (!given) return usage_exit("run", given.error().message);
  if (auto ok = task_script::resolve_params(script->schema(), *given); !ok)
    return usage_exit("run", ok.error().message);
  if (auto ready = prepare_output_file(o.out); !ready)
    return error_exit("run", ready.error().message);

  auto backend = open_backend({o.device, "", o.threads});
  if (!backend) return error_exit("run", backend.error().message);
  CheckpointOptions checkpoint_options;
  checkpoint_options.tokenizer_dir = o.tokenizer;
  auto pipeline = Pipeline::load(o.model, **backend, checkpoint_options);
  if (!pipeline) return error_exit("run", pipeline.error().message);
  std::fprintf(stderr, "seedgrid task run: %s (%s) on %s (%s), seed %llu\n",
               script->schema().name.c_str(), script->file_name().c_str(), o.device.c_str(),
               (*backend)->determinism_class().c_str(), static_cast<unsigned long long>(seed));

  // Timed for the report only; nothing rendered depends on it.
  const auto start = std::chrono::steady_clock::now();
  auto output = task_script::run_task(*script, *pipeline, *given, seed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!output) return error_exit("run", output.error().message);

  double in_passes = 0;
  for (std::size_t i = 0; i < output->passes.size(); ++i) {
    const auto& pass = output->passes[i];
    in_passes += pass.seconds;
    std::printf("pass %zu: %d steps at %dx%d  %.3f s  trajectory root %s\n", i + 1, pass.steps_run,
                pass.width, pass.height, pass.seconds, to_hex(pass.trajectory_root).c_str());
  }
  std::printf("job trajectory root %s (%u leaves over %zu passes)\n",
              to_hex(output->trajectory_root).c_str(), output->leaf_count, output->passes.size());
  const std::string parameters =
      message_of("seedgrid task ", script->schema().name, ", script ", script->id(), ", model ",
                 pipeline->model_id(), ", seed ", seed);
  for (std::size_t i = 0; i < output->images.size(); ++i) {
    const std::string path = output_path(o.out, i, output->images.size());
    if (auto ok = write_png(path, output->images[i], parameters); !ok)
      return error_exit("run", ok.error().message);
    std::printf("%s  seed %llu  blake2b %s\n", path.c_str(), static_cast<unsigned long long>(seed),
                to_hex(blake2b(output->images[i].pixels)).c_str());
  }
  std::printf("total %.3f s (%.3f s in sampler passes)\n", seconds, in_passes);
  return 0;
}

const CommandRegistration task_command{
    "task", "Check a task script (Lua) or run it on this machine", [](CLI::App& app) -> CommandRun {
      set_example(app,
                  "seedgrid task run models/tasks/txt2img.lua --model models/tiny --param "
                  "prompt=\"a red fox\" --param steps=20 --out out/fox.png");
      auto o = std::make_shared<TaskOptions>();
      app.require_subcommand(1);
      CLI::App* check = app.add_subcommand(
          "check", "Load a task script in the sandbox; print its parameters and declared cost");
      check->add_option("FILE", o->script, "The task script (.lua)")->required();
      check->add_option("--param", o->params,
                        "name=value for the declared cost (repeatable; default: the defaults)");
      CLI::App* run = app.add_subcommand(
          "run", "Run a task script once on this machine and write its image(s) as PNG");
      run->add_option("FILE", o->script, "The task script (.lua)")->required();
      run->add_option("--model", o->model, "Diffusers model folder or single .safetensors file")
          ->required();
      run->add_option("--param", o->params,
                      "name=value (repeatable); an image parameter's value is a PNG file");
      run->add_option("--seed", o->seed, "Noise seed, or -1 for a random one")
          ->capture_default_str();
      run->add_option("--out", o->out, "Output PNG path (several images: out-0.png, out-1.png)")
          ->required();
      run->add_option("--tokenizer", o->tokenizer,
                      "Folder with vocab.json and merges.txt (single-file models)");
      run->add_option("--threads", o->threads, "CPU threads (default 0: all cores)");
      run->add_option("--device", o->device, "cpu, or cuda (builds with CUDA)")
          ->capture_default_str();
      return [o, check] { return check->parsed() ? run_check(*o) : run_task_command(*o); };
    }};

}  // namespace
}  // namespace seedgrid::cli
