// `seedgrid audit RECEIPT.json [--full] [--model PATH | --models-dir DIR] [--key FILE]`: checks a delivered
// image's receipt on this machine — the worker's signature, the PNG's pixel hash, the spec hash,
// the commitment's form, and with the model the noise and decode audits (and with --full a whole
// re-render). One line per check, then the verdict; exit 0 pass, 1 fail, 2 could not check.
// A private request's receipt has its prompt and seed sealed to the requester: --key opens them.
// A scripted job's receipt is checked by running its script again (--full, with the script from
// --task-script or --tasks-dir, found by the id the receipt names); the images it took, which the
// receipt names by id only, come from --image files.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>

#include "actors/rendering/scripted_job.hpp"
#include "config/node_config.hpp"
#include "models/weights/sha256.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "runtime/base/verify/receipt_check.hpp"
#include "runtime/cli/command.hpp"

namespace seedgrid::cli {
namespace {

struct AuditOptions {
  std::string receipt;
  std::string key_file;
  std::vector<std::string> task_scripts;
  std::string tasks_dir;
  std::vector<std::string> images;  // PNG files: a scripted job's input images
  verify::ReceiptCheckOptions check;
};

// The --image files by their id (protocol/input_image.hpp).
Result<std::map<std::string, RgbImage>> read_images(const std::vector<std::string>& files) {
  std::map<std::string, RgbImage> images;
  for (const auto& file : files) {
    auto png = read_png(file);
    if (!png) return context(png.error(), "--image");
    images.emplace(protocol::input_image_id(png->image), std::move(png->image));
  }
  return images;
}

// The script whose bytes hash to `id`: one of `files`, or a .lua file of `dir`.
Result<task_script::TaskScript> find_task_script(const std::vector<std::string>& files,
                                                 const std::string& dir, const std::string& id) {
  std::vector<std::string> candidates = files;
  std::error_code ec;
  if (!dir.empty())
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".lua") candidates.push_back(entry.path().string());
  if (ec) return fail("--tasks-dir ", dir, ": ", ec.message());
  // Only the file whose bytes hash to the id is loaded (a script's id is the SHA-256 of its bytes).
  for (const auto& path : candidates) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read task script ", path);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (sha256_hex(bytes) != id) continue;
    return task_script::TaskScript::from_source(bytes,
                                                std::filesystem::path(path).filename().string());
  }
  return fail("the job ran task script ", id, ", which is none of ",
              candidates.empty() ? std::string("the scripts given")
                                 : std::to_string(candidates.size()) + " script(s) given",
              ": give its file with --task-script FILE or a folder of scripts with --tasks-dir");
}

int run_audit(AuditOptions o) {
  if (!o.key_file.empty()) {
    auto key = Identity::load(o.key_file);
    if (!key) {
      std::fprintf(stderr, "error: --key: %s\n", key.error().message.c_str());
      return 2;
    }
    o.check.requester = std::make_shared<const Identity>(*key);
  }
  auto images = read_images(o.images);
  if (!images) {
    std::fprintf(stderr, "error: %s\n", images.error().message.c_str());
    return 2;
  }
  o.check.rerun_scripted = [files = o.task_scripts, dir = o.tasks_dir,
                            images = std::move(*images)](
                               const Pipeline& pipeline,
                               const protocol::JobSpec& spec) -> Result<verify::ScriptedRerender> {
    auto script = find_task_script(files, dir, spec.task_script);
    if (!script) return pass_on(script);
    return rendering::rerender_scripted(*script, pipeline, spec, images,
                                        "give its PNG file with --image FILE.png");
  };
  // Across determinism classes, the validator's defaults (calibrated when bench/calibrate has run).
  const config::ValidatorThresholds t = config::default_validator_thresholds();
  o.check.thresholds = {t.step_pass, t.step_fail, t.psnr_pass,
                        t.psnr_fail, t.ssim_pass, t.ssim_fail};
  const verify::ReceiptReport report = verify::check_receipt(o.receipt, o.check);
  for (const auto& line : report.lines)
    std::printf("%s\n", verify::format_check_line(line).c_str());
  std::printf("%s\n", report.verdict_line().c_str());
  std::printf("%s\n", report.scope_note().c_str());
  return report.exit_status();
}

const CommandRegistration audit{
    "audit",
    "Check a delivered image's receipt: signature, pixels, spec, and with the model the noise and "
    "decode audits (exit 0 pass, 1 fail, 2 could not check)",
    [](CLI::App& app) -> CommandRun {
      set_example(app, "seedgrid audit out/req-1a2b-0.receipt.json --models-dir models");
      auto opts = std::make_shared<AuditOptions>();
      app.add_option("receipt", opts->receipt, "The receipt (NAME.receipt.json, its PNG beside it)")
          ->required();
      app.add_flag("--full", opts->check.full, "Also re-render the whole job and compare");
      app.add_option("--model", opts->check.model_path,
                     "The receipt's model (diffusers folder or single .safetensors file)");
      app.add_option("--models-dir", opts->check.models_dir,
                     "A folder of checkpoints to find the receipt's model in, by id");
      app.add_option("--key", opts->key_file,
                     "The key that signed a private request (opens its receipt's sealed prompt "
                     "and seed)");
      app.add_option("--task-script", opts->task_scripts,
                     "A scripted job's task script (.lua; repeatable): the one whose bytes hash "
                     "to the receipt's task_script is run again with --full");
      app.add_option("--tasks-dir", opts->tasks_dir,
                     "A folder of task scripts to find the receipt's script in, by id "
                     "(e.g. models/tasks)");
      app.add_option("--image", opts->images,
                     "A PNG file the scripted job took (its init_image, mask; repeatable), "
                     "matched to the receipt's parameters by its id");
      app.add_option("--worker", opts->check.expected_worker,
                     "Require the result to be signed by this worker (public key, hex)");
      app.add_option("--threads", opts->check.threads, "CPU threads for the audits (0: all)")
          ->check(CLI::NonNegativeNumber);
      app.add_option("--device", opts->check.device,
                     "cpu, or cuda (builds with CUDA) (default: the receipt's own device when this "
                     "machine has it, else cpu; the model line says which ran)");
      app.add_option("--precision", opts->check.precision,
                     "f32 or f16 on cpu, f16 on cuda (default: the receipt's own precision, on "
                     "which every comparison is bytewise)");
      return [opts] { return run_audit(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
