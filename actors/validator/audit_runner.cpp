#include "actors/validator/audit_runner.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <set>

#include "actors/rendering/renderer.hpp"
#include "actors/rendering/scripted_job.hpp"
#include "actors/validator/scripted_replay.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/verify/committed_job.hpp"

namespace seedgrid::validator {

namespace {

using verify::AuditFinding;
using verify::AuditKind;
using verify::FindingOutcome;

// CAF's binary format cannot carry infinities (an identical image's PSNR, a zero update's step
// error): the evidence on the wire uses the largest finite double instead (NaN too: it is never a
// pass).
double wire_number(double x) {
  if (std::isnan(x) || x == std::numeric_limits<double>::infinity())
    return std::numeric_limits<double>::max();
  if (x == -std::numeric_limits<double>::infinity()) return std::numeric_limits<double>::lowest();
  return x;
}

AuditFinding failed(AuditKind kind, std::int32_t step, std::string detail) {
  return verify::finding(kind, FindingOutcome::fail, step, std::move(detail));
}

verify::CommittedJob committed_of(const protocol::AuditTask& task, const GenerationSpec& spec) {
  verify::CommittedJob c;
  c.spec = spec;
  c.trajectory_root = task.commitment.trajectory_root;
  c.leaf_count = task.commitment.leaf_count;
  c.output_hash = task.claimed_output_hash;
  c.determinism_class = task.claimed_determinism_class;
  return c;
}

// The worker's openings by t, checked to come from the audited worker for this audit.
Result<std::map<std::uint32_t, verify::LatentOpening>> openings_of(const protocol::AuditTask& task,
                                                                   const protocol::Opening& o) {
  if (!o.error.empty()) return fail("no opening: ", o.error);
  if (o.worker != task.worker || !protocol::opening_signature_valid(o))
    return fail("no opening: the reply is not signed by the audited worker");
  if (o.audit_id != task.audit_id)
    return fail("no opening: the reply answers audit ", o.audit_id, ", not ", task.audit_id);
  std::map<std::uint32_t, verify::LatentOpening> by_t;
  for (const auto& w : o.openings) {
    auto opening = protocol::latent_opening(w);
    if (!opening) return context(opening.error(), "no opening");
    by_t.emplace(w.t, std::move(*opening));
  }
  return by_t;
}

}  // namespace

AuditFinding judge_claimed_failure(const task_script::TaskScript* script, const Pipeline* pipeline,
                                   const protocol::AuditTask& task,
                                   const rendering::ImageLookup& images) {
  AuditFinding f = failed(AuditKind::full, -1, "");
  f.outcome = FindingOutcome::grey;  // what this validator cannot tell proves nothing
  if (script == nullptr || pipeline == nullptr) {
    f.detail = std::string("cannot check: the job's ") +
               (script == nullptr ? "task script" : "model") + " is not loaded here";
    return f;
  }
  for (const auto& named : rendering::images_named(*script, task.job.spec))
    if (!images || images(named.id) == nullptr) {
      f.detail = "cannot check: the job's image " + named.param + " is not here";
      return f;
    }
  auto rendered =
      rendering::render_scripted_job(*script, *pipeline, task.job.spec, {}, {.images = images});
  if (rendered) {
    f.outcome = FindingOutcome::fail;
    f.expected = protocol::output_hash_of(rendered->pixels);
    f.detail = "the task script renders this job here; the workers said it fails: " +
               task.claimed_failure;
  } else if (protocol::code_of(rendered.error(), protocol::ErrorCode::ok) !=
             protocol::ErrorCode::task_script_failed) {
    f.detail = "cannot check: " + rendered.error().message;
  } else if (rendered.error().message == task.claimed_failure) {
    f.outcome = FindingOutcome::pass;
    f.detail = "the task script fails the same way here: " + rendered.error().message;
  } else {
    f.outcome = FindingOutcome::fail;
    f.detail = "the task script fails otherwise here (" + rendered.error().message +
               ") than the workers said (" + task.claimed_failure + ")";
  }
  return f;
}

std::vector<std::uint32_t> openings_needed(const protocol::AuditTask& task) {
  if (task.job.spec.scripted()) return scripted_openings_needed(task);
  std::set<std::uint32_t> ts;
  for (const auto& a : task.audits) {
    if (!verify::is_audit(a, AuditKind::step)) continue;
    if (a.step >= 1) ts.insert(a.step - 1);
    ts.insert(a.step);
    ts.insert(a.step + 1);
  }
  return {ts.begin(), ts.end()};
}

std::vector<AuditFinding> run_audits(const Pipeline* pipeline, const protocol::AuditTask& task,
                                     const protocol::Opening& opening,
                                     const verify::Thresholds& thresholds) {
  std::vector<AuditFinding> findings;
  const RgbImage delivered{static_cast<int>(task.job.spec.width),
                           static_cast<int>(task.job.spec.height), task.claimed_pixels};
  if (task.job.spec.task_type == protocol::kTaskInstant) {
    // The benchmark task has no model run: its pixels are a keystream of the spec.
    AuditFinding f;
    f.kind = AuditKind::full;
    f.expected = protocol::output_hash_of(rendering::instant_pixels(task.job.spec));
    f.received = task.claimed_output_hash;
    f.outcome = f.expected == f.received ? FindingOutcome::pass : FindingOutcome::fail;
    f.detail = f.outcome == FindingOutcome::pass ? "instant pixels match" : "instant pixels differ";
    findings.push_back(std::move(f));
    return findings;
  }
  auto spec = verify::generation_spec_of(task.job.spec);
  if (pipeline == nullptr || !spec) {
    findings.push_back(failed(
        AuditKind::full, -1,
        "cannot audit: " + (spec ? std::string("model not loaded here") : spec.error().message)));
    return findings;
  }
  if (protocol::output_hash_of(task.claimed_pixels) != task.claimed_output_hash) {
    findings.push_back(failed(AuditKind::full, -1,
                              "the delivered pixels do not hash to the committed output hash"));
    return findings;
  }
  const verify::CommittedJob job = committed_of(task, *spec);
  std::vector<protocol::AuditItem> audits = task.audits;
  if (!task.has_commitment || audits.empty()) audits = {verify::audit_item(AuditKind::full)};
  std::optional<Result<std::map<std::uint32_t, verify::LatentOpening>>> opened;
  for (const auto& a : audits) {
    const auto kind = static_cast<AuditKind>(a.kind);
    Result<AuditFinding> f = std::unexpected(Error{"unknown audit kind"});
    switch (kind) {
      case AuditKind::noise: {
        // x_0 is not shipped: it is what the seed says, and the proof must place it under the root.
        verify::LatentOpening o{0, Tensor{}, task.commitment.initial_proof};
        f = verify::noise_audit(*pipeline, job, o);
        break;
      }
      case AuditKind::step: {
        if (!opened) opened = openings_of(task, opening);
        if (!*opened) {
          f = failed(kind, static_cast<std::int32_t>(a.step), opened->error().message);
          break;
        }
        const auto& by_t = **opened;
        auto x_t = by_t.find(a.step), x_next = by_t.find(a.step + 1);
        auto x_prev = a.step >= 1 ? by_t.find(a.step - 1) : by_t.end();
        if (x_t == by_t.end() || x_next == by_t.end()) {
          f = failed(kind, static_cast<std::int32_t>(a.step),
                     "no opening: the worker did not open x_" + std::to_string(a.step) + " and x_" +
                         std::to_string(a.step + 1));
          break;
        }
        f = verify::step_audit(*pipeline, job, x_t->second, x_next->second,
                               x_prev == by_t.end() ? nullptr : &x_prev->second, thresholds);
        break;
      }
      case AuditKind::decode: {
        auto latent = protocol::latent_opening(
            {task.commitment.leaf_count - 1, task.commitment.final_latent_shape,
             task.commitment.final_latent, task.commitment.final_proof});
        if (!latent) {
          f = failed(kind, static_cast<std::int32_t>(task.commitment.leaf_count) - 1,
                     latent.error().message);
          break;
        }
        f = verify::decode_audit(*pipeline, job, *latent, delivered, thresholds);
        break;
      }
      case AuditKind::full:
        f = verify::full_audit(*pipeline, job, delivered, thresholds);
        break;
    }
    if (!f)
      findings.push_back(failed(kind, kind == AuditKind::full ? -1 : std::int32_t(a.step),
                                "could not run the " + std::string(verify::audit_kind_name(kind)) +
                                    " audit: " + f.error().message));
    else
      findings.push_back(std::move(*f));
  }
  return findings;
}

std::vector<AuditFinding> run_script_audit(const task_script::TaskScript* script,
                                           const Pipeline* pipeline, const std::string& own_class,
                                           const protocol::AuditTask& task,
                                           const protocol::Opening& opening,
                                           const verify::Thresholds& thresholds,
                                           const rendering::ImageLookup& images) {
  if (!task.claimed_failure.empty()) return {judge_claimed_failure(script, pipeline, task, images)};
  if (script == nullptr || pipeline == nullptr)
    return {failed(AuditKind::full, -1,
                   std::string("cannot audit: the job's ") +
                       (script == nullptr ? "task script" : "model") + " is not loaded here")};
  // An input image this validator could not keep is no evidence against the worker: grey.
  for (const auto& named : rendering::images_named(*script, task.job.spec))
    if (!images || images(named.id) == nullptr) {
      AuditFinding f = failed(AuditKind::full, -1,
                              "cannot audit: the job's image " + named.param + " is not here");
      f.outcome = FindingOutcome::grey;
      return {f};
    }
  const bool same_class = own_class == task.claimed_determinism_class;
  const RgbImage delivered{static_cast<int>(task.job.spec.width),
                           static_cast<int>(task.job.spec.height), task.claimed_pixels};
  std::vector<AuditFinding> findings;
  bool full = !task.has_commitment;
  bool replayed = false;
  for (const auto& a : task.audits) {
    if (verify::is_audit(a, AuditKind::full)) {
      full = true;
    } else if (!replayed && task.has_commitment) {
      replayed = true;
      auto opened = openings_of(task, opening);
      if (!opened) {
        findings.push_back(failed(AuditKind::decode, -1, opened.error().message));
        continue;
      }
      auto replay = replay_scripted_audits(*script, *pipeline, same_class, task, *opened,
                                           thresholds, images);
      std::move(replay.begin(), replay.end(), std::back_inserter(findings));
    }
  }
  if (!full && replayed) return findings;
  auto rendered = rendering::render_scripted_job(*script, *pipeline, task.job.spec, {},
                                                 {.images = images});
  if (!rendered) {
    findings.push_back(
        failed(AuditKind::full, -1,
               "the task script fails on this job where the worker delivered an image: " +
                   rendered.error().message));
    return findings;
  }
  const RgbImage image{delivered.width, delivered.height, std::move(rendered->pixels)};
  findings.push_back(verify::judge_rerender(
      {image, rendered->trajectory_root, rendered->leaf_count},
      {delivered, task.claimed_output_hash, task.commitment.trajectory_root,
       task.commitment.leaf_count},
      same_class, thresholds));
  return findings;
}

protocol::Verdict verdict_of(const protocol::AuditTask& task,
                             const std::vector<AuditFinding>& findings,
                             const std::string& own_class) {
  protocol::Verdict v = protocol::verdict_on(task);
  v.recomputed_output_hash = task.claimed_output_hash;
  v.determinism_class = own_class;
  v.purpose = task.purpose;
  bool any_fail = false, any_grey = false;
  std::string first_bad, summary;
  for (const auto& f : findings) {
    protocol::AuditEvidence e;
    e.kind = f.kind;
    e.outcome = f.outcome;
    e.step = f.step;
    e.expected = f.expected;
    e.received = f.received;
    e.error = wire_number(f.error);
    e.psnr_db = wire_number(f.psnr_db);
    e.ssim = wire_number(f.ssim);
    e.detail = f.detail;
    v.evidence.push_back(std::move(e));
    if (f.kind == AuditKind::full || f.kind == AuditKind::decode)
      v.recomputed_output_hash = f.expected;
    std::string name(verify::audit_kind_name(f.kind));
    if (f.kind == AuditKind::step) name.append(" ").append(std::to_string(f.step));
    if (!summary.empty()) summary += ", ";
    summary += name + " " + std::string(verify::finding_outcome_name(f.outcome));
    if (f.outcome != FindingOutcome::pass && first_bad.empty()) first_bad = name + ": " + f.detail;
    any_fail = any_fail || f.outcome == FindingOutcome::fail;
    any_grey = any_grey || f.outcome == FindingOutcome::grey;
  }
  if (findings.empty()) {
    any_fail = true;
    first_bad = "no audit was run";
  }
  v.outcome = any_fail   ? protocol::AuditOutcome::fail
              : any_grey ? protocol::AuditOutcome::grey
                         : protocol::AuditOutcome::pass;
  v.detail = summary + (first_bad.empty() ? "" : " — " + first_bad);
  return v;
}

}  // namespace seedgrid::validator
