// Simulated workers: they register through the real challenge and signed registration, render
// one job at a time for a time drawn from their speed (stragglers take several times as long),
// may crash mid-job and come back, and return results signed with their own key, carrying a
// trajectory commitment the core checks; a cheater returns other pixels on a share of its jobs.
#include <algorithm>
#include <cmath>

#include "actors/worker/commitment.hpp"
#include "models/tensor/tensor.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"
#include "runtime/sim/network_state.hpp"

namespace seedgrid::sim {

using coordinator::Outbox;

namespace {

protocol::JobResult result_of(const protocol::Job& job, const SimWorker& w,
                              const std::string& determinism_class, bool cheat,
                              std::int64_t render_ms) {
  protocol::JobResult r;
  r.job_id = job.job_id;
  r.attempt = job.attempt;
  r.spec_hash = protocol::spec_hash(job.spec);
  r.model_id = job.spec.model_id;
  r.width = job.spec.width;
  r.height = job.spec.height;
  r.pixels = honest_pixels(job.spec);
  if (cheat)
    r.pixels[0] ^= 0xff;  // what any cheat of the zoo changes: the image is not this spec's
  r.output_hash = protocol::output_hash_of(r.pixels);
  r.determinism_class = determinism_class;
  r.render_ms = static_cast<std::uint64_t>(render_ms);
  // One-value latents per step: the core checks the commitment's shape and signature, the
  // simulated validator decides by the pixels (simulated_clients.cpp).
  verify::Trajectory t;
  for (std::uint32_t i = 0; i <= job.spec.steps; ++i)
    t.record(i, Tensor::host_f32({1, 1, 1, 1}, {float(i) + (cheat ? 0.5f : 0.0f)}));
  r.trajectory_root = t.root();
  worker::fill_commitment(r, job.spec, "f32", &t);
  protocol::sign_result(r, w.identity);
  return r;
}

const WorkerGroup& group_of(const NetworkState& s, const SimWorker& w) {
  return s.scenario.workers[w.group];
}

void start_next(NetworkState& s, std::size_t index);

// The worker's session ends (a crash, a partition): what it was rendering or holding is dropped,
// messages still travelling on the old link are lost, and the coordinator calls the node down
// `noticed_after_ms` later.
void lose_link(NetworkState& s, std::size_t index, std::int64_t noticed_after_ms) {
  SimWorker& w = s.workers[index];
  if (w.running) w.busy_ms += s.now() - w.running->started_ms;
  w.running.reset();
  w.waiting.clear();
  w.up = false;
  w.registering = false;
  ++w.incarnation;
  s.queue.after(noticed_after_ms, [&s, index] {
    with_core(s, [&](Outbox& out) {
      s.core->node_down(s.workers[index].identity.public_key(), s.now(), out);
    });
  });
}

void finish(NetworkState& s, std::size_t index, std::uint64_t token, bool crash, bool cheat) {
  SimWorker& w = s.workers[index];
  if (!w.running || w.running->token != token) return;  // cancelled meanwhile
  const SimWorker::Running run = std::move(*w.running);
  w.running.reset();
  w.busy_ms += run.ends_ms - run.started_ms;
  if (crash) {
    // The process dies: its jobs go with it; the connection resets, so the coordinator learns
    // it one latency later.
    ++s.summary.crashes;
    lose_link(s, index, worker_latency(s, index));
    s.queue.after(group_of(s, w).restart_ms, [&s, index] { start_worker(s, index); });
    return;
  }
  auto result =
      result_of(run.job, w, group_of(s, w).determinism_class, cheat, run.ends_ms - run.started_ms);
  s.queue.after(worker_latency(s, index), [&s, index, cheat, request = run.job.request_id,
                                           inc = w.incarnation, result = std::move(result)] {
    SimWorker& w = s.workers[index];
    if (w.incarnation != inc) return;  // its link dropped on the way
    protocol::Reply reply;
    with_core(s, [&](Outbox& out) {
      reply = s.core->on_result(w.identity.public_key(), result, s.now(), out);
    });
    if (reply.ok()) ++w.results;
    if (reply.ok() && cheat) ++s.facts[w.facts].cheats;
    note_blacklisting(s, w.identity.public_key());
    if (auto it = s.requests.find(request);
        reply.ok() && it != s.requests.end() && it->second.batch >= 0)
      s.batches[std::size_t(it->second.batch)].rendered_ms = s.now();
  });
  start_next(s, index);
}

void start_next(NetworkState& s, std::size_t index) {
  SimWorker& w = s.workers[index];
  if (!w.up || w.running || w.waiting.empty()) return;
  protocol::Job job = std::move(w.waiting.front());
  w.waiting.pop_front();
  const WorkerGroup& g = group_of(s, w);
  double seconds = w.seconds * w.chance.lognormal_factor(g.jitter);
  if (w.chance.chance(g.straggler_share)) seconds *= g.straggler_factor;
  const bool crash = w.chance.chance(g.crash_per_job);
  if (crash) seconds *= w.chance.uniform();  // it dies somewhere in the middle
  const bool cheat = !w.cheat.empty() && w.chance.chance(w.cheat_share);
  const auto duration = std::max<std::int64_t>(1, std::llround(seconds * 1000.0));
  const std::uint64_t token = ++w.next_token;
  w.running = SimWorker::Running{job, s.now(), s.now() + duration, token};
  s.queue.after(worker_latency(s, index),
                [&s, index, id = job.job_id, attempt = job.attempt, inc = w.incarnation] {
                  if (s.workers[index].incarnation != inc) return;
                  with_core(s, [&](Outbox& out) {
                    s.core->on_started(s.workers[index].identity.public_key(),
                                       protocol::JobStarted{id, attempt, 1}, s.now(), out);
                  });
                });
  s.queue.after(duration,
                [&s, index, token, crash, cheat] { finish(s, index, token, crash, cheat); });
}

// The worker's report of a job it will not finish (cancelled, or dropped before its start).
void report_stopped(NetworkState& s, std::size_t index, const protocol::Job& job,
                    std::uint32_t steps_done) {
  SimWorker& w = s.workers[index];
  s.queue.after(worker_latency(s, index),
                [&s, index, inc = w.incarnation,
                 f = protocol::JobFailure{job.job_id, job.attempt, protocol::ErrorCode::cancelled,
                                          "cancelled by the coordinator", steps_done}] {
                  if (s.workers[index].incarnation != inc) return;
                  with_core(s, [&](Outbox& out) {
                    s.core->on_failure(s.workers[index].identity.public_key(), f, s.now(), out);
                  });
                });
}

}  // namespace

void note_blacklisting(NetworkState& s, const PublicKey& worker) {
  auto it = s.worker_of.find(worker);
  if (it == s.worker_of.end()) return;
  SimWorker& w = s.workers[it->second];
  const auto* n = s.core->nodes().find(worker);
  if (w.caught_ms < 0 && n != nullptr && n->blacklisted) w.caught_ms = s.now();
}

std::vector<std::uint8_t> honest_pixels(const protocol::JobSpec& spec) {
  const Digest d = protocol::spec_hash(spec);
  std::vector<std::uint8_t> p(static_cast<std::size_t>(spec.width) * spec.height * 3);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = d[i % d.size()];
  return p;
}

std::int64_t worker_latency(NetworkState& s, std::size_t index) {
  SimWorker& w = s.workers[index];
  return latency(s.scenario, w.link) + group_of(s, w).link_extra_ms;
}

void start_worker(NetworkState& s, std::size_t index) {
  SimWorker& w = s.workers[index];
  if (w.up || w.registering || w.gone) return;
  if (s.now() < w.cut_until_ms) {  // no route to the coordinator yet: try when the cut heals
    s.queue.at(w.cut_until_ms, [&s, index] { start_worker(s, index); });
    return;
  }
  w.registering = true;
  const WorkerGroup& g = group_of(s, w);
  protocol::Capabilities caps;
  caps.models = {s.model_id};
  caps.task_types = {"txt2img"};
  caps.device = g.name;
  caps.determinism_class = g.determinism_class;
  caps.serves_fast = g.fast;
  caps.serves_relaxed = g.relaxed;
  caps.max_inflight = g.max_inflight;
  const double work = double(s.scenario.width) * s.scenario.height * s.scenario.steps;
  caps.pixel_steps_per_second =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(work / w.seconds)));
  // hello, the signed registration, the treasury's word on its stake, admission: one round trip
  // each way, at the coordinator's end of the link.
  s.queue.after(worker_latency(s, index), [&s, index, caps, inc = w.incarnation] {
    SimWorker& w = s.workers[index];
    if (w.incarnation != inc) return;
    const auto challenge = s.core->hello(s.now());
    const auto reg = protocol::make_registration(
        protocol::Role::worker, "sim-worker-" + std::to_string(index), caps, challenge, w.identity);
    if (!s.core->verify_registration(reg, s.now()).ok()) {
      w.registering = false;
      return;
    }
    coordinator::StakeWord word;
    if (s.core->needs_stake(reg)) word = stake_word(s, reg);
    bool admitted = false;
    with_core(s, [&](Outbox& out) {
      admitted = s.core->admit_with_stake(reg, word, s.now(), out).outcome.ok();
    });
    if (!admitted) {
      w.registering = false;
      return;
    }
    s.queue.after(worker_latency(s, index), [&s, index, inc] {
      SimWorker& w = s.workers[index];
      if (w.incarnation != inc) return;
      w.registering = false;
      w.up = true;
      start_next(s, index);
    });
  });
}

void schedule_partitions(NetworkState& s) {
  for (const Partition& p : s.scenario.partitions) {
    if (p.treasury || p.validators) continue;  // schedule_treasury_cuts, schedule_validator_cuts
    s.queue.at(p.at_ms, [&s, &p] {
      // The last workers of each group are cut (its first are its cheaters): a cut is about the
      // network, not about who cheats.
      for (std::size_t g = 0; g < s.scenario.workers.size(); ++g) {
        const WorkerGroup& group = s.scenario.workers[g];
        if (!p.groups.empty() &&
            std::find(p.groups.begin(), p.groups.end(), group.name) == p.groups.end())
          continue;
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < s.workers.size(); ++i)
          if (s.workers[i].group == g) members.push_back(i);
        const auto cut = std::min(
            members.size(), static_cast<std::size_t>(std::ceil(p.share * double(members.size()))));
        for (std::size_t k = members.size() - cut; k < members.size(); ++k) {
          const std::size_t index = members[k];
          SimWorker& w = s.workers[index];
          w.cut_until_ms = std::max(w.cut_until_ms, s.now() + p.duration_ms);
          ++s.summary.disconnects;
          if (w.up || w.registering) lose_link(s, index, s.scenario.link_timeout_ms);
          s.queue.at(w.cut_until_ms, [&s, index] { start_worker(s, index); });
        }
      }
    });
  }
}

void schedule_departures(NetworkState& s) {
  for (std::size_t g = 0; g < s.scenario.workers.size(); ++g) {
    const WorkerGroup& group = s.scenario.workers[g];
    if (group.leave_ms < 0 || group.leave_share <= 0.0) continue;
    s.queue.at(group.leave_ms, [&s, g, &group] {
      // The last of the group leave (its first are its cheaters), as a partition cuts them; the
      // process stops, so its connection closes and the coordinator learns it one latency later.
      std::vector<std::size_t> members;
      for (std::size_t i = 0; i < s.workers.size(); ++i)
        if (s.workers[i].group == g) members.push_back(i);
      const auto leaving = std::min(
          members.size(),
          static_cast<std::size_t>(std::ceil(group.leave_share * double(members.size()))));
      for (std::size_t k = members.size() - leaving; k < members.size(); ++k) {
        const std::size_t index = members[k];
        SimWorker& w = s.workers[index];
        w.gone = true;
        ++s.summary.departures;
        if (w.up || w.registering) lose_link(s, index, worker_latency(s, index));
      }
    });
  }
}

void worker_receives(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                     protocol::Job job) {
  SimWorker& w = s.workers[index];
  if (w.incarnation != incarnation) return;  // sent to a process that has died since
  w.waiting.push_back(std::move(job));
  start_next(s, index);
}

void worker_cancels(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                    const std::string& job_id, std::uint32_t attempt) {
  SimWorker& w = s.workers[index];
  if (w.incarnation != incarnation) return;
  if (w.running && w.running->job.job_id == job_id && w.running->job.attempt == attempt) {
    const auto run = std::move(*w.running);
    w.running.reset();
    w.busy_ms += s.now() - run.started_ms;
    const double done = double(s.now() - run.started_ms) / double(run.ends_ms - run.started_ms);
    const auto steps = static_cast<std::uint32_t>(std::floor(done * run.job.spec.steps));
    report_stopped(s, index, run.job, std::min(steps, run.job.spec.steps));
    start_next(s, index);
    return;
  }
  auto it = std::find_if(w.waiting.begin(), w.waiting.end(), [&](const protocol::Job& j) {
    return j.job_id == job_id && j.attempt == attempt;
  });
  if (it == w.waiting.end()) return;  // finished already: its result is on the way
  const protocol::Job job = std::move(*it);
  w.waiting.erase(it);
  report_stopped(s, index, job, 0);
}

}  // namespace seedgrid::sim
