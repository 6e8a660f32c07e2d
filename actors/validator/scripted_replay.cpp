#include "actors/validator/scripted_replay.hpp"

#include <set>

#include "actors/rendering/scripted_job.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "runtime/base/verify/commitment/job_trajectory.hpp"
#include "runtime/base/verify/pass_audits.hpp"

namespace seedgrid::validator {

namespace {

using verify::AuditFinding;
using verify::AuditKind;
using verify::FindingOutcome;

struct Planned {
  bool noise = false, decode = false;
  std::set<std::uint32_t> steps;  // leaves x_t of the step audits
};

Planned planned_of(const protocol::AuditTask& task) {
  Planned p;
  for (const auto& a : task.audits) {
    p.noise = p.noise || verify::is_audit(a, AuditKind::noise);
    p.decode = p.decode || verify::is_audit(a, AuditKind::decode);
    if (verify::is_audit(a, AuditKind::step)) p.steps.insert(a.step);
  }
  return p;
}

std::vector<verify::PassSpan> spans_of(const protocol::JobSpec& spec) {
  std::vector<std::uint32_t> steps;
  for (const auto& pass : spec.passes) steps.push_back(pass.steps);
  return verify::pass_spans(steps);
}

AuditFinding failed(AuditKind kind, std::uint32_t leaf, std::string detail) {
  return verify::finding(kind, FindingOutcome::fail, static_cast<std::int32_t>(leaf),
                         std::move(detail));
}

AuditFinding finding_or_failed(Result<AuditFinding> f, AuditKind kind, std::uint32_t leaf) {
  if (f) return std::move(*f);
  return failed(kind, leaf,
                "could not run the " + std::string(verify::audit_kind_name(kind)) +
                    " audit: " + f.error().message);
}

}  // namespace

std::vector<std::uint32_t> scripted_openings_needed(const protocol::AuditTask& task) {
  const Planned planned = planned_of(task);
  if (!planned.noise && !planned.decode && planned.steps.empty()) return {};  // full alone
  const auto spans = spans_of(task.job.spec);
  std::set<std::uint32_t> leaves;
  for (const auto& span : spans) {
    if (planned.noise) leaves.insert(span.first_leaf);
    leaves.insert(span.last_leaf());
    for (std::uint32_t t : planned.steps) {
      if (!span.starts_step(t)) continue;
      if (t > span.first_leaf) leaves.insert(t - 1);
      leaves.insert(t);
      leaves.insert(t + 1);
    }
  }
  return {leaves.begin(), leaves.end()};
}

std::vector<AuditFinding> replay_scripted_audits(
    const task_script::TaskScript& script, const Pipeline& pipeline, bool same_class,
    const protocol::AuditTask& task, const std::map<std::uint32_t, verify::LatentOpening>& opened,
    const verify::Thresholds& thresholds, const rendering::ImageLookup& images) {
  const protocol::JobSpec& spec = task.job.spec;
  const Planned planned = planned_of(task);
  const auto spans = spans_of(spec);
  const std::uint32_t leaf_count = task.commitment.leaf_count;
  const std::uint32_t last_leaf = leaf_count == 0 ? 0 : leaf_count - 1;
  std::vector<AuditFinding> findings;
  // Step leaves that fall in no pass (or on a pass's last leaf) are no steps of this job.
  for (std::uint32_t t : planned.steps) {
    bool in_a_pass = false;
    for (const auto& span : spans) in_a_pass = in_a_pass || span.starts_step(t);
    if (!in_a_pass)
      findings.push_back(failed(AuditKind::step, t,
                                "cannot audit: leaf " + std::to_string(t) +
                                    " is the last of its pass or beyond the job's " +
                                    std::to_string(leaf_count) + " leaves"));
  }
  auto plan = rendering::plan_scripted_job(script, spec, images);
  if (!plan)
    return {failed(AuditKind::decode, last_leaf,
                   "the task script refuses this job where the worker delivered an image: " +
                       plan.error().message)};
  auto opening = [&](std::uint32_t leaf) -> const verify::LatentOpening* {
    auto it = opened.find(leaf);
    return it == opened.end() ? nullptr : &it->second;
  };
  bool stopped = false;  // a finding explains why the replay could not go on
  task_script::TaskHooks hooks;
  hooks.replay_pass = [&](std::uint32_t pass, const task_script::PassInputs& in) -> Result<Tensor> {
    if (pass >= spans.size()) return fail("pass ", pass + 1, " was not priced");
    const verify::PassSpan span = spans[pass];
    const verify::PassCommitment committed{task.commitment.trajectory_root, leaf_count, pass, span,
                                           same_class};
    const verify::PassGiven given{in.pass, in.text, in.noise, in.clean};
    const std::string name = "pass " + std::to_string(pass + 1);
    if (planned.noise) {
      if (const auto* first = opening(span.first_leaf))
        findings.push_back(finding_or_failed(
            verify::pass_start_audit(pipeline, committed, given, *first, thresholds),
            AuditKind::noise, span.first_leaf));
      else
        findings.push_back(failed(AuditKind::noise, span.first_leaf,
                                  "no opening: the worker did not open the first latent of " +
                                      name + " (leaf " + std::to_string(span.first_leaf) + ")"));
    }
    for (std::uint32_t t : planned.steps) {
      if (!span.starts_step(t)) continue;
      const auto* x_t = opening(t);
      const auto* x_next = opening(t + 1);
      const auto* x_prev = t > span.first_leaf ? opening(t - 1) : nullptr;
      if (x_t == nullptr || x_next == nullptr || (t > span.first_leaf && x_prev == nullptr)) {
        findings.push_back(
            failed(AuditKind::step, t,
                   "no opening: the worker did not open leaves " + std::to_string(t) + " and " +
                       std::to_string(t + 1) +
                       (t > span.first_leaf ? " and " + std::to_string(t - 1) : std::string()) +
                       " of " + name));
        continue;
      }
      findings.push_back(finding_or_failed(
          verify::pass_step_audit(pipeline, committed, given, *x_t, *x_next, x_prev, thresholds),
          AuditKind::step, t));
    }
    const std::uint32_t end = span.last_leaf();
    const auto* last = opening(end);
    std::string why;
    if (last == nullptr)
      why = "no opening: the worker did not open the last latent of " + name + " (leaf " +
            std::to_string(end) + ")";
    else if (auto ok = verify::check_pass_opening(task.commitment.trajectory_root, leaf_count, pass,
                                                  span, *last);
             !ok)
      why = ok.error().message;
    if (!why.empty()) {
      stopped = true;
      findings.push_back(failed(AuditKind::decode, end, why));
      return fail(why);
    }
    return last->latent;
  };
  auto out =
      task_script::run_task(script, pipeline, plan->params, spec.seed, hooks, &plan->declared);
  if (stopped) return findings;
  if (!out) {
    findings.push_back(failed(AuditKind::decode, last_leaf,
                              "the task script fails on the worker's committed passes where the "
                              "worker delivered an image: " +
                                  out.error().message));
    return findings;
  }
  if (planned.decode) {
    const RgbImage delivered{static_cast<int>(spec.width), static_cast<int>(spec.height),
                             task.claimed_pixels};
    if (out->images.size() != 1)
      findings.push_back(failed(AuditKind::decode, last_leaf,
                                "the script returns " + std::to_string(out->images.size()) +
                                    " images from the committed passes; a job delivers one"));
    else
      findings.push_back(verify::output_audit(out->images.front(), delivered,
                                              task.claimed_output_hash, last_leaf, same_class,
                                              thresholds));
  }
  return findings;
}

}  // namespace seedgrid::validator
