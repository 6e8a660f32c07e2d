// The nodes around the coordinator that are not workers: validators, which answer each audit
// after its audit time with the verdict the measured detection matrix gives (an honest result
// always passes, a cheated one fails with its cheat's detection probability), and users, who
// submit the scenario's batches and random requests with signed requests and cancel some.
#include <algorithm>
#include <cmath>

#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/sim/cheat_detection.hpp"
#include "runtime/sim/network_state.hpp"

namespace seedgrid::sim {

using coordinator::Outbox;

namespace {

protocol::AuditOutcome judge(NetworkState& s, SimValidator& v, const protocol::AuditTask& task) {
  if (task.claimed_output_hash == protocol::output_hash_of(honest_pixels(task.job.spec)))
    return protocol::AuditOutcome::pass;
  double detection = 1.0;  // a result no worker of the scenario cheated on: any audit sees it
  if (auto it = s.worker_of.find(task.worker); it != s.worker_of.end())
    if (auto row = cheat_detection(s.workers[it->second].cheat))
      detection = v.determinism_class == task.claimed_determinism_class ? row->same_class
                                                                        : row->cross_class;
  return v.chance.chance(detection) ? protocol::AuditOutcome::fail : protocol::AuditOutcome::pass;
}

void audit_next(NetworkState& s, std::size_t index) {
  SimValidator& v = s.validators[index];
  if (v.busy || v.waiting.empty()) return;
  const std::size_t c = v.waiting.front().first;
  protocol::AuditTask task = std::move(v.waiting.front().second);
  v.waiting.pop_front();
  v.busy = true;
  v.busy_ms += v.audit_ms;
  s.queue.after(v.audit_ms, [&s, index, c, inc = v.incarnation, task = std::move(task)] {
    SimValidator& v = s.validators[index];
    if (v.incarnation != inc) return;  // its link dropped meanwhile: the audit went with it
    protocol::Verdict verdict = protocol::verdict_on(task);
    verdict.outcome = judge(s, v, task);
    verdict.purpose = task.purpose;
    verdict.detail = std::string(protocol::audit_outcome_name(verdict.outcome));
    protocol::AuditEvidence e;
    e.kind = protocol::AuditKind::full;  // the full re-render stands for the plan's audits
    e.outcome = verdict.outcome == protocol::AuditOutcome::fail ? protocol::FindingOutcome::fail
                                                                : protocol::FindingOutcome::pass;
    verdict.evidence.push_back(e);
    protocol::sign_verdict(verdict, v.identity);
    s.queue.after(latency(s.scenario, v.link), [&s, index, c, inc, verdict = std::move(verdict)] {
      if (s.validators[index].incarnation != inc) return;  // lost on a link that dropped
      with_core(s, c, [&](Outbox& out) {
        s.core(c).on_verdict(s.validators[index].identity.public_key(), verdict, s.now(), out);
      });
      note_blacklisting(s, c, verdict.worker);
    });
    v.busy = false;
    audit_next(s, index);
  });
}

void submit(NetworkState& s, const std::string& id, std::uint32_t count, protocol::Tier tier,
            std::size_t user, int batch) {
  protocol::GenerateRequest r;
  r.request_id = id;
  r.model_id = s.model_id;
  r.prompt = "a lighthouse on a cliff at dawn";
  r.seed = s.workload.next();
  r.steps = s.scenario.steps;
  r.width = s.scenario.width;
  r.height = s.scenario.height;
  r.count = count;
  r.tier = tier;
  protocol::sign_request(r, s.users[user].identity);
  s.requests[id] = RequestRecord{s.now(), batch, user, count};
  ++s.open_requests;
  ++s.summary.requests;
  s.summary.jobs += count;
  if (s.first_submit_ms < 0) s.first_submit_ms = s.now();
  // The user's map of coordinators names the request's owner.
  const std::size_t c = s.owner_of(id);
  ++s.coordinators[c].requests;
  s.queue.after(latency(s.scenario, s.users[user].link), [&s, c, id, r = std::move(r)] {
    coordinator::CoordinatorCore::SubmitAnswer answer;
    with_core(s, c, [&](Outbox& out) { answer = s.core(c).submit(r, s.now(), out); });
    if (!answer.reply.ok()) {
      ++s.summary.requests_refused;
      request_ended(s, id);
    } else if (answer.ack) {
      s.observed.accepted.insert(id);
    }
  });
}

void submit_batch(NetworkState& s, std::size_t b) {
  const Batch& batch = s.scenario.batches[b];
  auto& outcome = s.batches[b];
  outcome.submitted_ms = s.now();
  const std::uint64_t requests = (batch.images + batch.request_size - 1) / batch.request_size;
  outcome.requests = static_cast<std::uint32_t>(requests);
  s.batch_open[b] = outcome.requests;
  ++s.batches_submitted;
  const auto tier = batch.tier == "relaxed" ? protocol::Tier::relaxed : protocol::Tier::fast;
  std::uint64_t left = batch.images;
  for (std::uint64_t i = 0; i < requests; ++i) {
    const auto count =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(left, batch.request_size));
    left -= count;
    const std::string id = std::string("b")
                               .append(std::to_string(b))
                               .append("-")
                               .append(std::to_string(i));  // appended: see submit_random
    submit(s, id, count, tier, std::size_t(i % s.users.size()), int(b));
  }
}

void submit_random(NetworkState& s) {
  if (s.random_left == 0) return;
  const auto& q = s.scenario.random;
  const std::uint64_t n = q.requests - s.random_left;
  --s.random_left;
  const auto count =
      q.count_min + static_cast<std::uint32_t>(s.workload.below(q.count_max - q.count_min + 1));
  const auto tier =
      s.workload.chance(q.fast_share) ? protocol::Tier::fast : protocol::Tier::relaxed;
  const std::size_t user = std::size_t(s.workload.below(s.users.size()));
  // Appended, not "q" + to_string(n): GCC 12 warns (-Wrestrict) on that inlined operator+.
  const std::string id = std::string("q").append(std::to_string(n));
  submit(s, id, count, tier, user, -1);
  if (s.workload.chance(q.cancel_share)) {
    const auto after = std::llround(s.workload.exponential(q.cancel_after_ms));
    s.queue.after(after, [&s, id, user] {
      const std::size_t c = s.owner_of(id);
      const auto command =
          protocol::make_client_command(protocol::ClientCommandKind::cancel, id, s.core(c).key(),
                                        s.users[user].identity, s.wall_ms());
      with_core(s, c, [&](Outbox& out) { s.core(c).cancel(command, s.now(), s.wall_ms(), out); });
    });
  }
  s.queue.after(std::llround(s.workload.exponential(q.mean_gap_ms)), [&s] { submit_random(s); });
}

}  // namespace

void start_validator(NetworkState& s, std::size_t index) {
  SimValidator& v = s.validators[index];
  if (s.now() < v.cut_until_ms) {  // no route yet: register when the cut heals
    s.queue.at(v.cut_until_ms, [&s, index] { start_validator(s, index); });
    return;
  }
  protocol::Capabilities caps;
  caps.models = {s.model_id};
  caps.task_types = {"txt2img"};
  caps.device = "sim";
  caps.determinism_class = v.determinism_class;
  s.queue.after(latency(s.scenario, v.link), [&s, index, caps, inc = v.incarnation] {
    SimValidator& v = s.validators[index];
    if (v.incarnation != inc) return;
    for (std::size_t c = 0; c < s.coordinators.size(); ++c) {  // with each coordinator
      const auto challenge = s.core(c).hello(s.now());
      const auto reg = protocol::make_registration(protocol::Role::validator,
                                                   "sim-validator-" + std::to_string(index), caps,
                                                   challenge, v.identity);
      if (!s.core(c).verify_registration(reg, s.now()).ok()) return;
      coordinator::StakeWord word;
      if (s.core(c).needs_stake(reg)) word = stake_word(s, reg);
      with_core(s, c, [&](Outbox& out) { s.core(c).admit_with_stake(reg, word, s.now(), out); });
    }
  });
}

void validator_receives(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                        std::size_t coordinator, protocol::AuditTask task) {
  SimValidator& v = s.validators[index];
  if (v.incarnation != incarnation || s.now() < v.cut_until_ms) return;  // lost on the way
  v.waiting.emplace_back(coordinator, std::move(task));
  audit_next(s, index);
}

void schedule_validator_cuts(NetworkState& s) {
  for (const Partition& p : s.scenario.partitions) {
    if (!p.validators) continue;
    s.queue.at(p.at_ms, [&s, &p] {
      // The last validators are cut, as the last workers of a group are.
      const std::size_t n = s.validators.size();
      const auto cut = std::min(n, static_cast<std::size_t>(std::ceil(p.share * double(n))));
      for (std::size_t index = n - cut; index < n; ++index) {
        SimValidator& v = s.validators[index];
        v.cut_until_ms = std::max(v.cut_until_ms, s.now() + p.duration_ms);
        ++v.incarnation;
        v.waiting.clear();
        v.busy = false;
        ++s.summary.validator_cuts;
        s.queue.after(s.scenario.link_timeout_ms, [&s, index] {
          for (std::size_t c = 0; c < s.coordinators.size(); ++c)
            with_core(s, c, [&](Outbox& out) {
              s.core(c).node_down(s.validators[index].identity.public_key(), s.now(), out);
            });
        });
        s.queue.at(v.cut_until_ms, [&s, index] { start_validator(s, index); });
      }
    });
  }
}

void start_workload(NetworkState& s) {
  const auto& sc = s.scenario;
  s.batches.resize(sc.batches.size());
  s.batch_open.assign(sc.batches.size(), 0);
  for (std::size_t b = 0; b < sc.batches.size(); ++b) {
    s.batches[b].images = sc.batches[b].images;
    s.batches[b].tier = sc.batches[b].tier;
    s.batches[b].expect_s = sc.batches[b].expect_s;
    if (!sc.sequential || b == 0) s.queue.at(sc.batches[b].at_ms, [&s, b] { submit_batch(s, b); });
  }
  s.random_left = sc.random.requests;
  if (s.random_left > 0)
    s.queue.after(std::llround(s.workload.exponential(sc.random.mean_gap_ms)),
                  [&s] { submit_random(s); });
}

void request_ended(NetworkState& s, const std::string& request_id) {
  auto it = s.requests.find(request_id);
  if (it == s.requests.end() || it->second.ended) return;
  it->second.ended = true;
  --s.open_requests;
  s.last_end_ms = s.now();
  const int b = it->second.batch;
  if (b < 0) return;
  if (--s.batch_open[std::size_t(b)] > 0) return;
  s.batches[std::size_t(b)].delivered_ms = s.now();
  if (s.scenario.sequential && std::size_t(b) + 1 < s.scenario.batches.size())
    submit_batch(s, std::size_t(b) + 1);
}

bool workload_done(const NetworkState& s) {
  return s.batches_submitted == s.scenario.batches.size() && s.random_left == 0 &&
         s.open_requests == 0;
}

}  // namespace seedgrid::sim
