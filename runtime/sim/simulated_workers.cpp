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
    for (std::size_t c = 0; c < s.coordinators.size(); ++c)
      with_core(s, c, [&](Outbox& out) {
        s.core(c).node_down(s.workers[index].identity.public_key(), s.now(), out);
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
  s.queue.after(worker_latency(s, index),
                [&s, index, cheat, c = run.coordinator, request = run.job.request_id,
                 inc = w.incarnation, result = std::move(result)] {
                  SimWorker& w = s.workers[index];
                  if (w.incarnation != inc) return;  // its link dropped on the way
                  protocol::Reply reply;
                  with_core(s, c, [&](Outbox& out) {
                    reply = s.core(c).on_result(w.identity.public_key(), result, s.now(), out);
                  });
                  if (reply.ok()) ++w.results;
                  if (reply.ok() && cheat) ++s.facts[w.facts].cheats;
                  note_blacklisting(s, c, w.identity.public_key());
                  if (auto it = s.requests.find(request);
                      reply.ok() && it != s.requests.end() && it->second.batch >= 0)
                    s.batches[std::size_t(it->second.batch)].rendered_ms = s.now();
                });
  start_next(s, index);
}

// The worker sat idle for scenario.offer_after_ms, so its home has no work for it: it offers its
// slot to the other coordinators, one at a time, until one sends work (ARCHITECTURE.md). Sooner
// would cost the coordinators messages (and refusals when the home's next job is on its way)
// whenever they are busy, which is when they matter.
void offer_in_turn(NetworkState& s, std::size_t index, std::uint64_t token, std::size_t turn) {
  SimWorker& w = s.workers[index];
  const std::size_t n = s.coordinators.size();
  if (w.offer_token != token || !w.up || w.running || !w.waiting.empty() || turn >= n) return;
  const std::int64_t wait = turn == 1
                                ? s.scenario.offer_after_ms
                                : 2 * (s.scenario.link_max_ms + group_of(s, w).link_extra_ms) + 1;
  s.queue.after(wait, [&s, index, token, turn, n] {
    SimWorker& w = s.workers[index];
    if (w.offer_token != token || !w.up || w.running || !w.waiting.empty()) return;
    const std::size_t c = (w.home + turn) % n;
    s.queue.after(worker_latency(s, index), [&s, index, c, inc = w.incarnation] {
      if (s.workers[index].incarnation != inc) return;
      with_core(s, c, [&](Outbox& out) {
        s.core(c).on_room(s.workers[index].identity.public_key(), s.now(), out);
      });
    });
    offer_in_turn(s, index, token, turn + 1);
  });
}

void start_next(NetworkState& s, std::size_t index) {
  SimWorker& w = s.workers[index];
  if (w.up && !w.running && w.waiting.empty() && s.coordinators.size() > 1)
    offer_in_turn(s, index, ++w.offer_token, 1);
  if (!w.up || w.running || w.waiting.empty()) return;
  ++w.offer_token;
  const std::size_t c = w.waiting.front().coordinator;
  protocol::Job job = std::move(w.waiting.front().job);
  w.waiting.pop_front();
  const WorkerGroup& g = group_of(s, w);
  double seconds = w.seconds * w.chance.lognormal_factor(g.jitter);
  if (w.chance.chance(g.straggler_share)) seconds *= g.straggler_factor;
  const bool crash = w.chance.chance(g.crash_per_job);
  if (crash) seconds *= w.chance.uniform();  // it dies somewhere in the middle
  const bool cheat = !w.cheat.empty() && w.chance.chance(w.cheat_share);
  const auto duration = std::max<std::int64_t>(1, std::llround(seconds * 1000.0));
  const std::uint64_t token = ++w.next_token;
  w.running = SimWorker::Running{c, job, s.now(), s.now() + duration, token};
  s.queue.after(worker_latency(s, index),
                [&s, index, c, id = job.job_id, attempt = job.attempt, inc = w.incarnation] {
                  if (s.workers[index].incarnation != inc) return;
                  with_core(s, c, [&](Outbox& out) {
                    s.core(c).on_started(s.workers[index].identity.public_key(),
                                         protocol::JobStarted{id, attempt, 1}, s.now(), out);
                  });
                });
  s.queue.after(duration,
                [&s, index, token, crash, cheat] { finish(s, index, token, crash, cheat); });
}

// The worker's report of a job it will not finish (cancelled, dropped before its start, or
// refused because its slots are full) to the coordinator that sent it.
void report_stopped(NetworkState& s, std::size_t index, std::size_t c, protocol::JobFailure f) {
  SimWorker& w = s.workers[index];
  s.queue.after(worker_latency(s, index), [&s, index, c, inc = w.incarnation, f = std::move(f)] {
    if (s.workers[index].incarnation != inc) return;
    with_core(s, c, [&](Outbox& out) {
      s.core(c).on_failure(s.workers[index].identity.public_key(), f, s.now(), out);
    });
  });
}

protocol::JobFailure cancelled(const protocol::Job& job, std::uint32_t steps_done) {
  return {job.job_id, job.attempt, protocol::ErrorCode::cancelled, "cancelled by the coordinator",
          steps_done};
}

}  // namespace

void note_blacklisting(NetworkState& s, std::size_t by, const PublicKey& worker) {
  auto it = s.worker_of.find(worker);
  if (it == s.worker_of.end()) return;
  SimWorker& w = s.workers[it->second];
  const auto* n = s.core(by).nodes().find(worker);
  if (w.caught_ms >= 0 || n == nullptr || !n->blacklisted) return;
  w.caught_ms = s.now();
  // The ban is written to the ledger with the slash; every other coordinator reads it from the
  // treasury's feed: a trip there and one back.
  for (std::size_t c = 0; c < s.coordinators.size(); ++c)
    if (c != by)
      s.queue.after(2 * s.scenario.treasury_ms, [&s, c, worker] {
        with_core(s, c, [&](Outbox& out) { s.core(c).ban(worker, s.now(), out); });
      });
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
  // With several coordinators it registers with each (same key, one registration each).
  s.queue.after(worker_latency(s, index), [&s, index, caps, inc = w.incarnation] {
    SimWorker& w = s.workers[index];
    if (w.incarnation != inc) return;
    for (std::size_t c = 0; c < s.coordinators.size(); ++c) {
      const auto challenge = s.core(c).hello(s.now());
      const auto reg =
          protocol::make_registration(protocol::Role::worker, "sim-worker-" + std::to_string(index),
                                      caps, challenge, w.identity);
      if (!s.core(c).verify_registration(reg, s.now()).ok()) {
        w.registering = false;
        return;
      }
      coordinator::StakeWord word;
      if (s.core(c).needs_stake(reg)) word = stake_word(s, reg);
      bool admitted = false;
      with_core(s, c, [&](Outbox& out) {
        admitted = s.core(c).admit_with_stake(reg, word, s.now(), out).outcome.ok();
      });
      if (!admitted) {
        w.registering = false;
        return;
      }
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
      const auto leaving =
          std::min(members.size(),
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
                     std::size_t coordinator, protocol::Job job) {
  SimWorker& w = s.workers[index];
  if (w.incarnation != incarnation) return;  // sent to a process that has died since
  // A job of its home (or of its one coordinator) is always taken: that coordinator's count is
  // the worker's, and a job sent while another still runs waits behind it. Another coordinator's
  // job finds it busy when its slots are full: that one sends no more until the worker offers a
  // slot again (ARCHITECTURE.md, "Beyond one machine").
  const std::size_t held = w.waiting.size() + (w.running ? 1 : 0);
  if (coordinator != w.home && held >= group_of(s, w).max_inflight) {
    ++s.summary.busy_refusals;
    report_stopped(s, index, coordinator,
                   {job.job_id, job.attempt, protocol::ErrorCode::worker_busy,
                    "every slot holds a job of another coordinator", 0});
    return;
  }
  w.waiting.push_back({coordinator, std::move(job)});
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
    report_stopped(s, index, run.coordinator,
                   cancelled(run.job, std::min(steps, run.job.spec.steps)));
    start_next(s, index);
    return;
  }
  auto it = std::find_if(w.waiting.begin(), w.waiting.end(), [&](const SimWorker::Held& h) {
    return h.job.job_id == job_id && h.job.attempt == attempt;
  });
  if (it == w.waiting.end()) return;  // finished already: its result is on the way
  const SimWorker::Held held = std::move(*it);
  w.waiting.erase(it);
  report_stopped(s, index, held.coordinator, cancelled(held.job, 0));
}

}  // namespace seedgrid::sim
