#include "runtime/base/verify/receipt_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "config/model_thresholds.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/weights/checkpoint.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/committed_job.hpp"
#include "runtime/base/verify/model_index.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::verify {

namespace fs = std::filesystem;

std::string_view check_status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass:
      return "PASS";
    case CheckStatus::grey:
      return "GREY";
    case CheckStatus::fail:
      return "FAIL";
    case CheckStatus::not_checked:
      return "SKIP";
  }
  return "SKIP";
}

CheckStatus ReceiptReport::verdict() const {
  if (lines.empty()) return CheckStatus::not_checked;
  auto any = [&](CheckStatus s) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const CheckLine& l) { return l.status == s; });
  };
  if (any(CheckStatus::fail)) return CheckStatus::fail;
  if (any(CheckStatus::not_checked)) return CheckStatus::not_checked;
  if (any(CheckStatus::grey)) return CheckStatus::grey;
  return CheckStatus::pass;
}

int ReceiptReport::exit_status() const {
  switch (verdict()) {
    case CheckStatus::pass:
      return 0;
    case CheckStatus::fail:
      return 1;
    default:
      return 2;
  }
}

std::string ReceiptReport::verdict_line() const {
  switch (verdict()) {
    case CheckStatus::pass:
      return "verdict: PASS (every check passed)";
    case CheckStatus::fail: {
      std::string failed;
      bool only_image = true;
      for (const auto& l : lines)
        if (l.status == CheckStatus::fail) {
          failed += (failed.empty() ? "" : ", ") + l.check;
          only_image = only_image && l.check == "image";
        }
      if (only_image)
        return "verdict: FAIL (image: this PNG is not the one the worker delivered; it was "
               "changed after delivery)";
      return "verdict: FAIL (" + failed + ")";
    }
    case CheckStatus::grey:
      return "verdict: GREY (within tolerance of neither pass nor fail: a re-render on a node of "
             "the worker's determinism class decides)";
    default:
      return "verdict: COULD NOT CHECK (see the SKIP lines)";
  }
}

std::string ReceiptReport::scope_note() const {
  return "note: the worker signed the receipt's job, result and pixels, which the checks above "
         "test. The PNG's text chunk (prompt, parameters) and the receipt's \"verdicts\" list are "
         "copies nobody signed: trust them only as far as these checks match them";
}

std::string format_check_line(const CheckLine& line) {
  char head[32];
  std::snprintf(head, sizeof head, "%-4s  %-10s  ",
                std::string(check_status_name(line.status)).c_str(), line.check.c_str());
  return head + line.evidence;
}

namespace {

std::string short_hex(const Digest& d) { return to_hex(d).substr(0, 16); }

std::string number(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

CheckStatus status_of(FindingOutcome o) {
  switch (o) {
    case FindingOutcome::pass:
      return CheckStatus::pass;
    case FindingOutcome::grey:
      return CheckStatus::grey;
    case FindingOutcome::fail:
      return CheckStatus::fail;
  }
  return CheckStatus::fail;
}

// Only the figures the audit measured: an all-zero digest or a PSNR of 0 dB with SSIM 0 is what an
// audit that stopped early leaves, and printing it ("expected 0000000000000000, PSNR 0 dB") told
// a reader nothing.
CheckLine line_of(const AuditFinding& f) {
  std::vector<std::string> figures;
  if (f.step >= 0) figures.push_back("step " + std::to_string(f.step));
  if (f.expected != Digest{}) figures.push_back("expected " + short_hex(f.expected));
  if (f.received != Digest{}) figures.push_back("received " + short_hex(f.received));
  if (f.kind == AuditKind::step && f.error != 0.0) figures.push_back("error " + number(f.error));
  const bool measured = f.psnr_db != 0.0 || f.ssim != 0.0;
  if ((f.kind == AuditKind::decode || f.kind == AuditKind::full) && measured)
    figures.push_back("PSNR " + number(f.psnr_db) + " dB, SSIM " + number(f.ssim));
  std::string evidence = f.detail;
  for (std::size_t i = 0; i < figures.size(); ++i)
    evidence += (i == 0 ? " [" : ", ") + figures[i] + (i + 1 == figures.size() ? "]" : "");
  return {std::string(audit_kind_name(f.kind)), status_of(f.outcome), evidence};
}

// A loaded model and the backend it runs on (the pipeline refers to the backend).
struct LoadedModel {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Pipeline> pipeline;
  std::string device, precision;
  std::string fallback;  // why the receipt's own device was not used; empty when it was
  // The model folder's own calibrated thresholds (config/model_thresholds.hpp), when it has them:
  // they judge this model's comparisons across classes instead of the defaults.
  std::optional<config::ValidatorThresholds> own_thresholds;
};

// The device a determinism class was rendered on: "cuda-sm90-..." -> "cuda"; "cpu-..." -> "cpu".
std::string device_of_class(const std::string& determinism_class) {
  const auto dash = determinism_class.find('-');
  const std::string device = determinism_class.substr(0, dash);
  const auto& known = backend_devices();
  return std::find(known.begin(), known.end(), device) != known.end() ? device : "cpu";
}

Result<std::unique_ptr<Backend>> open_audit_backend(const ReceiptCheckOptions& o,
                                                    const std::string& device,
                                                    const std::string& receipt_precision,
                                                    std::string& precision) {
  precision = o.precision;
  if (precision.empty() && resolve_precision(device, receipt_precision))
    precision = receipt_precision;
  auto resolved = resolve_precision(device, precision);
  if (!resolved) return pass_on(resolved);
  precision = *resolved;
  return open_backend({device, precision, o.threads});
}

// The receipt's own device and precision unless the auditor chose them: on them every comparison
// is bytewise (an f16 worker's result audited in f32 could only be judged within tolerances). A
// receipt from a device this machine lacks is audited on the CPU, saying so.
Result<LoadedModel> load_model(const ReceiptCheckOptions& o, const std::string& model_id,
                               const protocol::JobResult& result) {
  LoadedModel m;
  m.device = o.device.empty() ? device_of_class(result.determinism_class) : o.device;
  auto backend = open_audit_backend(o, m.device, result.precision, m.precision);
  if (!backend && o.device.empty() && m.device != "cpu") {
    m.fallback = "the receipt's device " + m.device + " is not available here (" +
                 backend.error().message + ")";
    m.device = "cpu";
    backend = open_audit_backend(o, m.device, result.precision, m.precision);
  }
  if (!backend) return pass_on(backend);
  m.backend = std::move(*backend);
  auto adopt = [&](Result<Pipeline> p, const std::string& path) -> Result<LoadedModel> {
    if (!p) return pass_on(p);
    auto own = config::read_model_thresholds(path);
    if (!own) return pass_on(own);
    m.own_thresholds = *own;
    m.pipeline = std::make_unique<Pipeline>(std::move(*p));
    return std::move(m);
  };
  if (!o.model_path.empty()) {
    auto p = Pipeline::load(o.model_path, *m.backend);
    if (!p) return context(p.error(), "loading --model ", o.model_path);
    if (p->model_id() != model_id)
      return fail("--model ", o.model_path, " is model ", p->model_id(), ", the receipt's is ",
                  model_id);
    return adopt(std::move(p), o.model_path);
  }
  if (o.models_dir.empty())
    return fail("no model to audit with: the receipt's model is ", model_id,
                " (give --model PATH or --models-dir DIR)");
  auto path = find_model(o.models_dir, model_id);
  if (!path) return pass_on(path);
  auto p = Pipeline::load(*path, *m.backend);
  if (!p) return context(p.error(), "loading ", *path);
  return adopt(std::move(p), *path);
}

// A scripted job's model check: the script run again (--full), judged as a validator's audit of
// it is: in the receipt's class the bytes and the root over every pass, across classes the image.
ReceiptReport& check_scripted(const ReceiptCheckOptions& options, const ImageReceipt& receipt,
                              const Result<DecodedPng>& png, bool image_is_signed,
                              ReceiptReport& report) {
  auto add = [&](std::string check, CheckStatus status, std::string evidence) {
    report.lines.push_back({std::move(check), status, std::move(evidence)});
  };
  const std::string what = "task " + receipt.job.spec.task_type + " (script " +
                           receipt.job.spec.task_script.substr(0, 16) + ")";
  if (!options.full) {
    add("full", CheckStatus::not_checked,
        "a job of " + what +
            " keeps no openings of its passes: its check is the script run again (--full)");
    return report;
  }
  if (!image_is_signed) {
    add("full", CheckStatus::not_checked, "no signed image to compare with (see the image line)");
    return report;
  }
  if (!options.rerun_scripted) {
    add("full", CheckStatus::not_checked, "this checker cannot run task scripts");
    return report;
  }
  auto model = load_model(options, receipt.job.spec.model_id, receipt.result);
  if (!model) {
    add("model", CheckStatus::not_checked, model.error().message);
    return report;
  }
  add("model", CheckStatus::pass,
      "audited on " + model->device + " " + model->precision + " (class " +
          model->backend->determinism_class() + ")");
  auto rerun = options.rerun_scripted(*model->pipeline, receipt.job.spec);
  if (!rerun) {
    add("full", CheckStatus::not_checked, rerun.error().message);
    return report;
  }
  const Thresholds& thresholds =
      model->own_thresholds ? *model->own_thresholds : options.thresholds;
  const bool same_class = model->backend->determinism_class() == receipt.result.determinism_class;
  report.lines.push_back(line_of(judge_rerender(
      {rerun->image, rerun->trajectory_root, rerun->leaf_count},
      {png->image, receipt.result.output_hash, receipt.result.trajectory_root,
       receipt.result.leaf_count},
      same_class, thresholds)));
  return report;
}

}  // namespace

ReceiptReport check_receipt(const std::string& receipt_path, const ReceiptCheckOptions& options) {
  ReceiptReport report;
  auto add = [&](std::string check, CheckStatus status, std::string evidence) {
    report.lines.push_back({std::move(check), status, std::move(evidence)});
  };
  auto receipt = read_receipt(receipt_path);
  if (!receipt) {
    add("receipt", CheckStatus::not_checked, receipt.error().message);
    return report;
  }
  if (receipt->sealed) {
    if (!options.requester) {
      add("receipt", CheckStatus::not_checked,
          "the receipt of a private request: its prompt and seed are sealed to key " +
              receipt->sealed->to.hex() + "; give that key (the one that signed the request)");
      return report;
    }
    if (auto opened = open_private_fields(*receipt, *options.requester); !opened) {
      add("receipt", CheckStatus::not_checked, opened.error().message);
      return report;
    }
  }
  const protocol::Job& job = receipt->job;
  const protocol::JobResult& result = receipt->result;

  // The image the receipt stands for, next to it.
  const fs::path png_path = fs::path(receipt_path).parent_path() / receipt->image_file;
  auto png = read_png(png_path.string());

  // 1. The worker signed these fields (the pixels enter through output_hash).
  const bool signature_ok = protocol::result_signature_holds(job_result_of(*receipt, {}));
  {
    const bool ok = signature_ok;
    add("signature", ok ? CheckStatus::pass : CheckStatus::fail,
        (ok ? "the result is signed by worker " : "the signature does not verify for worker ") +
            result.worker.hex());
    if (!options.expected_worker.empty()) {
      const bool same = options.expected_worker == result.worker.hex();
      add("worker", same ? CheckStatus::pass : CheckStatus::fail,
          same ? "the signer is the expected worker"
               : "the signer " + result.worker.hex() + " is not the expected worker " +
                     options.expected_worker);
    }
  }
  // 2. The PNG's pixels are the ones signed. A PNG that differs (or no longer decodes) is not the
  // file the worker delivered: that is about the file, not the worker, and the audits below
  // then have no image of the worker's to compare with.
  bool image_is_signed = false;
  std::error_code exists_ec;
  if (!png && !fs::exists(png_path, exists_ec)) {
    add("image", CheckStatus::not_checked, png.error().message);
  } else if (!png) {
    add("image", CheckStatus::fail,
        receipt->image_file +
            " is not the file the worker signed: it no longer decodes as a "
            "PNG (" +
            png.error().message +
            "), so it was damaged or changed after delivery. This "
            "says nothing against the worker; ask for the image again");
  } else {
    const Digest h = protocol::output_hash_of(png->image.pixels);
    const bool size_ok = png->image.width == static_cast<int>(result.width) &&
                         png->image.height == static_cast<int>(result.height);
    image_is_signed = size_ok && h == result.output_hash;
    const std::string png_size =
        std::to_string(png->image.width) + "x" + std::to_string(png->image.height);
    const std::string receipt_size =
        std::to_string(result.width) + "x" + std::to_string(result.height);
    // Two hashes that differ are printed whole: an edit may leave their first digits equal.
    if (image_is_signed) {
      add("image", CheckStatus::pass,
          receipt->image_file + " is " + png_size + " with pixel hash " + short_hex(h) +
              ", as signed");
    } else if (!signature_ok) {
      // The receipt's output_hash is not known to be the worker's: which side was edited cannot
      // be told, and the edited receipt is the likelier one (its signature already fails).
      add("image", CheckStatus::fail,
          receipt->image_file + " (" + png_size + ", pixel hash " + to_hex(h) +
              ") does not match the receipt (" + receipt_size + ", output_hash " +
              to_hex(result.output_hash) +
              "), and the receipt's signature does not verify: the receipt was altered after "
              "signing (and perhaps the PNG too). Ask for the receipt and the image again");
    } else {
      add("image", CheckStatus::fail,
          receipt->image_file + " is not the image the worker signed: it was changed after " +
              "delivery (" + png_size + ", pixel hash " + to_hex(h) + "; the worker signed " +
              receipt_size + ", " + to_hex(result.output_hash) +
              "). This says nothing against the worker");
    }
  }
  // 3. The result is for this job.
  {
    const Digest h = protocol::spec_hash(job.spec);
    std::string problem;
    if (h != result.spec_hash)
      problem = "the job's spec hashes to " + short_hex(h) + ", the result is for " +
                short_hex(result.spec_hash);
    else if (result.job_id != job.job_id || result.attempt != job.attempt)
      problem = "the result is for " + result.job_id + " attempt " +
                std::to_string(result.attempt) + ", the receipt's job is " + job.job_id +
                " attempt " + std::to_string(job.attempt);
    else if (result.model_id != job.spec.model_id)
      problem = "the result names model " + result.model_id + ", the job " + job.spec.model_id;
    add("spec", problem.empty() ? CheckStatus::pass : CheckStatus::fail,
        problem.empty() ? "spec hash " + short_hex(h) + " of job " + job.job_id + " attempt " +
                              std::to_string(job.attempt)
                        : problem);
  }
  // 4. The commitment is well formed for the job (settings, leaf count, proof and latent shapes).
  {
    const protocol::Reply shape = protocol::check_commitment_shape(result, job.spec);
    add("commitment", shape.ok() ? CheckStatus::pass : CheckStatus::fail,
        shape.ok()
            ? "trajectory root " + short_hex(result.trajectory_root) + ", " +
                  std::to_string(result.leaf_count) + " leaves, class " + result.determinism_class
            : shape.reason);
  }

  // 5. The audits that need the model.
  if (job.spec.scripted()) return check_scripted(options, *receipt, png, image_is_signed, report);
  auto committed = committed_job_of(job.spec, result);
  if (!committed) {
    add("noise", CheckStatus::not_checked, committed.error().message);
    return report;
  }
  auto model = load_model(options, job.spec.model_id, result);
  if (!model) {
    add("model", CheckStatus::not_checked, model.error().message);
    return report;
  }
  {
    const std::string audit_class = model->backend->determinism_class();
    std::string where =
        "audited on " + model->device + " " + model->precision + " (class " + audit_class + ")";
    where += audit_class == result.determinism_class
                 ? ": the receipt's own class, every comparison is bytewise"
                 : ", the receipt's class is " + result.determinism_class +
                       ": compared within the calibrated tolerances" +
                       (model->own_thresholds ? " (this model's own)" : "");
    if (!model->fallback.empty()) where = model->fallback + "; " + where;
    add("model", CheckStatus::pass, where);
  }
  const Pipeline& pipeline = *model->pipeline;
  const Thresholds& thresholds =
      model->own_thresholds ? *model->own_thresholds : options.thresholds;
  auto run = [&](std::string_view name, Result<AuditFinding> finding) {
    if (finding)
      report.lines.push_back(line_of(*finding));
    else
      add(std::string(name), CheckStatus::not_checked, finding.error().message);
  };
  run("noise", noise_audit(pipeline, *committed, initial_opening_of(result)));
  const std::string no_image = png ? "the PNG is not the signed image (see the image line): "
                                     "comparing the worker's work with it would judge the edit"
                                   : "no image to compare with";
  if (!image_is_signed) {
    add("decode", CheckStatus::not_checked, no_image);
  } else if (auto x_final = final_opening_of(result); !x_final) {
    add("decode", CheckStatus::fail, x_final.error().message);
  } else {
    run("decode", decode_audit(pipeline, *committed, *x_final, png->image, thresholds));
  }
  if (options.full) {
    if (!image_is_signed)
      add("full", CheckStatus::not_checked, no_image);
    else
      run("full", full_audit(pipeline, *committed, png->image, thresholds));
  }
  return report;
}

}  // namespace seedgrid::verify
