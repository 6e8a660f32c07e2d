// `seedgrid audit RECEIPT.json [--full] [--model PATH | --models-dir DIR] [--key FILE]`: checks a delivered
// image's receipt on this machine — the worker's signature, the PNG's pixel hash, the spec hash,
// the commitment's form, and with the model the noise and decode audits (and with --full a whole
// re-render). One line per check, then the verdict; exit 0 pass, 1 fail, 2 could not check.
// A private request's receipt has its prompt and seed sealed to the requester: --key opens them.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/base/verify/receipt_check.hpp"

namespace seedgrid::cli {
namespace {

struct AuditOptions {
  std::string receipt;
  std::string key_file;
  verify::ReceiptCheckOptions check;
};

int run_audit(AuditOptions o) {
  if (!o.key_file.empty()) {
    auto key = Identity::load(o.key_file);
    if (!key) {
      std::fprintf(stderr, "error: --key: %s\n", key.error().message.c_str());
      return 2;
    }
    o.check.requester = std::make_shared<const Identity>(*key);
  }
  // Across determinism classes, the validator's defaults (calibrated when bench/calibrate has run).
  const config::ValidatorThresholds t = config::default_validator_thresholds();
  o.check.thresholds = {t.step_pass, t.step_fail, t.psnr_pass,
                        t.psnr_fail, t.ssim_pass, t.ssim_fail};
  const verify::ReceiptReport report = verify::check_receipt(o.receipt, o.check);
  for (const auto& line : report.lines)
    std::printf("%s\n", verify::format_check_line(line).c_str());
  std::printf("%s\n", report.verdict_line().c_str());
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
