#include "runtime/base/verify/receipt_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "models/backend/backend_choice.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/weights/checkpoint.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/verify/audits.hpp"
#include "runtime/base/verify/committed_job.hpp"
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
      for (const auto& l : lines)
        if (l.status == CheckStatus::fail) failed += (failed.empty() ? "" : ", ") + l.check;
      return "verdict: FAIL (" + failed + ")";
    }
    case CheckStatus::grey:
      return "verdict: GREY (within tolerance of neither pass nor fail: a re-render on a node of "
             "the worker's determinism class decides)";
    default:
      return "verdict: COULD NOT CHECK (see the SKIP lines)";
  }
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

CheckLine line_of(const AuditFinding& f) {
  std::string evidence = f.detail + " [";
  if (f.step >= 0) evidence += "step " + std::to_string(f.step) + ", ";
  evidence += "expected " + short_hex(f.expected) + ", received " + short_hex(f.received);
  if (f.kind == AuditKind::step) evidence += ", error " + number(f.error);
  if (f.kind == AuditKind::decode || f.kind == AuditKind::full)
    evidence += ", PSNR " + number(f.psnr_db) + " dB, SSIM " + number(f.ssim);
  return {std::string(audit_kind_name(f.kind)), status_of(f.outcome), evidence + "]"};
}

// A loaded model and the backend it runs on (the pipeline refers to the backend).
struct LoadedModel {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Pipeline> pipeline;
};

bool looks_like_checkpoint(const fs::path& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) return fs::exists(p / "model_index.json", ec);
  return p.extension() == ".safetensors";
}

Result<LoadedModel> load_model(const ReceiptCheckOptions& o, const std::string& model_id) {
  LoadedModel m;
  auto backend = open_backend({o.device, o.precision, o.threads});
  if (!backend) return std::unexpected(backend.error());
  m.backend = std::move(*backend);
  auto adopt = [&](Result<Pipeline> p) -> Result<LoadedModel> {
    if (!p) return std::unexpected(p.error());
    m.pipeline = std::make_unique<Pipeline>(std::move(*p));
    return std::move(m);
  };
  if (!o.model_path.empty()) {
    auto p = Pipeline::load(o.model_path, *m.backend);
    if (!p) return context(p.error(), "loading --model ", o.model_path);
    if (p->model_id() != model_id)
      return fail("--model ", o.model_path, " is model ", p->model_id(), ", the receipt's is ",
                  model_id);
    return adopt(std::move(p));
  }
  if (o.models_dir.empty())
    return fail("no model to audit with: the receipt's model is ", model_id,
                " (give --model PATH or --models-dir DIR)");
  std::error_code ec;
  if (!fs::is_directory(o.models_dir, ec))
    return fail("--models-dir ", o.models_dir, " is not a folder");
  // The model's own id as a folder name is the convention; otherwise every checkpoint there is
  // hashed, in name order, until one matches.
  std::vector<fs::path> candidates;
  if (looks_like_checkpoint(fs::path(o.models_dir) / model_id))
    candidates.push_back(fs::path(o.models_dir) / model_id);
  std::vector<fs::path> others;
  for (const auto& e : fs::directory_iterator(o.models_dir, ec))
    if (looks_like_checkpoint(e.path())) others.push_back(e.path());
  std::sort(others.begin(), others.end());
  candidates.insert(candidates.end(), others.begin(), others.end());
  for (const auto& c : candidates) {
    auto checkpoint = load_checkpoint(c.string());
    if (!checkpoint || checkpoint->model_id != model_id) continue;
    return adopt(Pipeline::load(*checkpoint, *m.backend));
  }
  return fail("no checkpoint under --models-dir ", o.models_dir, " is model ", model_id);
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
  const protocol::Job& job = receipt->job;
  const protocol::JobResult& result = receipt->result;

  // The image the receipt stands for, next to it.
  const fs::path png_path = fs::path(receipt_path).parent_path() / receipt->image_file;
  auto png = read_png(png_path.string());

  // 1. The worker signed these fields (the pixels enter through output_hash).
  {
    const protocol::JobResult signed_result = job_result_of(*receipt, {});
    const bool ok = verify_signature(result.worker, protocol::result_signing_bytes(signed_result),
                                     result.signature);
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
  // 2. The PNG's pixels are the ones signed.
  if (!png) {
    add("image", CheckStatus::not_checked, png.error().message);
  } else {
    const Digest h = protocol::output_hash_of(png->image.pixels);
    const bool size_ok = png->image.width == static_cast<int>(result.width) &&
                         png->image.height == static_cast<int>(result.height);
    const bool ok = size_ok && h == result.output_hash;
    add("image", ok ? CheckStatus::pass : CheckStatus::fail,
        receipt->image_file + " is " + std::to_string(png->image.width) + "x" +
            std::to_string(png->image.height) + " with pixel hash " + short_hex(h) +
            (ok ? ", as signed"
                : "; the worker signed " + std::to_string(result.width) + "x" +
                      std::to_string(result.height) + " with hash " +
                      short_hex(result.output_hash)));
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
  auto committed = committed_job_of(job.spec, result);
  if (!committed) {
    add("noise", CheckStatus::not_checked, committed.error().message);
    return report;
  }
  auto model = load_model(options, job.spec.model_id);
  if (!model) {
    add("model", CheckStatus::not_checked, model.error().message);
    return report;
  }
  const Pipeline& pipeline = *model->pipeline;
  auto run = [&](std::string_view name, Result<AuditFinding> finding) {
    if (finding)
      report.lines.push_back(line_of(*finding));
    else
      add(std::string(name), CheckStatus::not_checked, finding.error().message);
  };
  run("noise", noise_audit(pipeline, *committed, initial_opening_of(result)));
  if (!png) {
    add("decode", CheckStatus::not_checked, "no image to compare with");
  } else if (auto x_final = final_opening_of(result); !x_final) {
    add("decode", CheckStatus::fail, x_final.error().message);
  } else {
    run("decode", decode_audit(pipeline, *committed, *x_final, png->image, options.thresholds));
  }
  if (options.full) {
    if (!png)
      add("full", CheckStatus::not_checked, "no image to compare with");
    else
      run("full", full_audit(pipeline, *committed, png->image, options.thresholds));
  }
  return report;
}

}  // namespace seedgrid::verify
