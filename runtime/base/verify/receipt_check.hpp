#pragma once
// `seedgrid audit RECEIPT.json`: everything a receipt lets anyone check after delivery, one line
// per check, then a verdict. Without a model: the worker's signature, the PNG's pixel hash, the
// spec hash and the commitment's form. With the model: the noise audit (x_0 from the seed under
// the signed root) and the decode audit (the signed x_N decodes to the PNG); with `full`, a
// whole re-render as well. A scripted job's receipt keeps no openings: with `full`, its script is
// run again (ReceiptCheckOptions::rerun_scripted).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/verify/comparison.hpp"

namespace seedgrid {
class Identity;
class Pipeline;
}

namespace seedgrid::verify {

enum class CheckStatus : std::uint8_t { pass, grey, fail, not_checked };
std::string_view check_status_name(CheckStatus s);  // "PASS", "GREY", "FAIL", "SKIP"

struct CheckLine {
  std::string check;  // "signature", "image", "spec", "commitment", "noise", "decode", "full"
  CheckStatus status = CheckStatus::not_checked;
  std::string evidence;  // one line: what was compared, digests, error, PSNR/SSIM
};

// A scripted job run again on the checker's machine: what its full check compares with the
// delivered image and the signed root. The command supplies it (it finds the script by the
// receipt's id and runs it, actors/rendering/scripted_job.hpp); this layer runs no scripts.
struct ScriptedRerender {
  RgbImage image;
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;
};
using ScriptedRerun =
    std::function<Result<ScriptedRerender>(const Pipeline&, const protocol::JobSpec&)>;

struct ReceiptCheckOptions {
  std::string model_path;  // a checkpoint (diffusers folder or single file); wins over models_dir
  std::string models_dir;  // else: a folder of checkpoints, searched for the receipt's model id
  bool full = false;       // also re-render the whole job
  // The worker's public key (hex) when known from elsewhere: a receipt's signature only shows
  // that its own `worker` key signed it, so binding it to a registered worker needs this.
  std::string expected_worker;
  Thresholds thresholds;  // across determinism classes
  int threads = 0;        // CPU threads for the audits (0: the default)
  // The backend the audits run on (models/backend/backend_choice.hpp). The receipt's own class
  // (e.g. precision "f16" for a cpu-f16s worker) makes every comparison a byte comparison.
  // Empty: the receipt's own device (its determinism class names it), or the CPU when this
  // machine has no such device (said in the "model" line).
  std::string device;
  std::string precision;  // empty: the receipt's own (when the device offers it)
  // A private request's receipt has its prompt and seed sealed to the requester: their key opens
  // them (without it, such a receipt cannot be checked).
  std::shared_ptr<const Identity> requester;
  // A scripted job's receipt: keeps no openings of its passes, so its one model check is `full`,
  // the script run again with this.
  ScriptedRerun rerun_scripted;
};

struct ReceiptReport {
  std::vector<CheckLine> lines;
  // pass: every check ran and passed; fail: a check failed; grey or a check that could not run:
  // not conclusive.
  CheckStatus verdict() const;
  int exit_status() const;  // 0 pass, 1 fail, 2 could not check (or grey)
  std::string verdict_line() const;
  // What the checks do not cover, printed after the verdict so a PASS is not read as more than it
  // is: the PNG's text chunk and the receipt's verdicts list are nobody's signed statement.
  std::string scope_note() const;
};

// Never throws and never fails as a call: what could not be checked is a line of the report.
ReceiptReport check_receipt(const std::string& receipt_path, const ReceiptCheckOptions& options);

// "PASS  signature   worker 3fa2…: ..." as the command prints it.
std::string format_check_line(const CheckLine& line);

}  // namespace seedgrid::verify
