// Recovery: what a restarted coordinator resumes from its journal. Jobs that were on workers go
// back to the queue (the restart is not their fault), money that was in motion is ordered again
// with the same idempotency keys, audits and appeals in progress wait for a validator, and
// penalties keep the appeal window they had left.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "actors/coordinator/core_state.hpp"
#include "runtime/base/logging/log.hpp"

namespace seedgrid::coordinator {

using protocol::LedgerOrderKind;

namespace {

// Images no loaded request and no penalty names (CoreState::images_named; a done private request
// names none): those of requests let go before this start (or by a coordinator that kept every
// image), and a cheater's image once its penalty was settled;
// and the input images of requests not loaded (zeroed: which of them were private is not loaded
// either, and this runs once a start).
Result<void> release_unwanted_images(CoreState& s) {
  std::set<Digest> wanted;
  for (const auto& [hash, jobs] : s.images_named) wanted.insert(hash);
  for (const auto& [id, p] : s.penalties) wanted.insert(p.output_hash);
  auto removed = s.results.keep_only(wanted);
  if (!removed) return pass_on(removed);
  if (*removed > 0)
    logging::logger("coordinator")
        ->info("deleted {} result image(s) that no request in memory or penalty names any more",
               *removed);
  auto carried = s.journal.requests_with_input_images();
  if (!carried) return pass_on(carried);
  std::size_t released = 0;
  for (const auto& id : *carried) {
    if (s.requests.contains(id) || s.penalty_on(id)) continue;
    if (auto r = s.journal.release_input_images(id, /*zero_pages=*/true); !r) return r;
    ++released;
  }
  if (released > 0)
    logging::logger("coordinator")
        ->info("deleted the input images of {} request(s) no longer in memory", released);
  return {};
}

}  // namespace

Result<void> recover(CoreState& s, std::int64_t now_ms, Outbox& out) {
  auto journaled_nodes = s.journal.load_nodes();
  if (!journaled_nodes) return pass_on(journaled_nodes);
  for (const auto& jn : *journaled_nodes) {
    NodeEntry& n = s.nodes.restore(jn.key, jn.role, jn.reputation);
    n.jobs_done = jn.jobs_done;
    n.jobs_failed = jn.jobs_failed;
    n.audits_passed = jn.audits_passed;
    n.audits_failed = jn.audits_failed;
    n.blacklisted = jn.blacklisted;
    s.nodes.refresh(n);
  }
  // The status counters go on from where they were (only recent done requests are loaded).
  auto totals = s.journal.job_totals();
  if (!totals) return pass_on(totals);
  s.jobs_delivered = totals->delivered;
  s.jobs_failed = totals->failed;
  // Nonces of client commands that may not have expired: a copy is still a replay.
  auto nonces = s.journal.load_command_nonces();
  if (!nonces) return pass_on(nonces);
  for (const auto& n : *nonces) s.seen_commands.remember(n.payer, n.nonce, n.expires_unix_ms);
  auto loaded = s.journal.load_requests(s.options.recent_done_requests);
  if (!loaded) return pass_on(loaded);
  for (auto& loaded_request : *loaded) {
    RequestState& r = s.add_request(std::move(loaded_request));
    r.accepted_ms = now_ms;
    switch (r.phase) {
      case RequestPhase::holding:
      case RequestPhase::abandoned:
        place_order(s, hold_order(s, r), out);
        break;
      case RequestPhase::active:
        for (auto& j : r.jobs) {
          switch (j.phase) {
            case JobPhase::queued:
              s.set_phase(r, j, JobPhase::queued, now_ms);
              break;
            case JobPhase::assigned:  // journals of releases that wrote assignments
            case JobPhase::running:
            case JobPhase::cancelling:
              // The coordinator's restart is not the worker's fault: back to the queue without a
              // failure (the next assignment is a new attempt, so its payment key is new).
              if (r.cancel_requested && j.phase == JobPhase::cancelling && j.steps_done > 0 &&
                  j.worker) {
                // Its report died with the old run: pay the steps journaled when the cancel came
                // (what the cancel grace pays when no report arrives), with the key the report's
                // order would have had.
                s.set_phase(r, j, JobPhase::paying_cancelled, now_ms);
                place_order(s, job_order(LedgerOrderKind::pay_cancelled, r, j), out);
              } else if (r.cancel_requested) {
                s.set_phase(r, j, JobPhase::cancelled, now_ms);
              } else {
                s.set_phase(r, j, JobPhase::queued, now_ms);
              }
              s.save(r, j);
              break;
            case JobPhase::auditing:
              if (j.output_hash == Digest{}) {
                // The audit of a claimed script failure (no result): the claims died with the
                // run, so the job is tried again and nobody is blamed.
                s.set_phase(r, j, JobPhase::queued, now_ms);
                s.save(r, j);
                break;
              }
              // The audit goes again, with its journaled commitment and plan, to the first
              // validator that registers (admit); its old validator's session died with the run.
              j.audit.validator.reset();
              j.deadline_ms = now_ms + s.options.policy.audit.timeout_ms;
              s.save(r, j);
              break;
            case JobPhase::settling:  // its image went out before the restart, or goes on attach
              place_order(s, job_order(LedgerOrderKind::settle, r, j), out);
              break;
            case JobPhase::refunding:
              place_order(s, job_order(LedgerOrderKind::refund, r, j), out);
              break;
            case JobPhase::paying_cancelled:
              place_order(s, job_order(LedgerOrderKind::pay_cancelled, r, j), out);
              break;
            case JobPhase::delivered:
            case JobPhase::failed:
            case JobPhase::cancelled:
              break;
          }
        }
        maybe_finish(s, r, out);
        break;
      case RequestPhase::releasing:
        place_order(s, release_order(r), out);
        break;
      case RequestPhase::done:
        break;
    }
    // Last. load_requests loads no more done requests than keep_done holds, so none leaves
    // memory here (and none releases an image a request loaded later names).
    s.keep_done(r);
  }
  auto slashes = s.journal.pending_slashes();
  if (!slashes) return pass_on(slashes);
  for (auto& o : *slashes) place_order(s, std::move(o), out);
  // Slashes waiting for their appeal window: the window goes on with the time it had left; an
  // appeal in progress goes to a referee again once one registers (admit), the worker's one
  // appeal already used.
  auto penalties = s.journal.load_penalties();
  if (!penalties) return pass_on(penalties);
  for (auto& jp : *penalties) {
    PendingPenalty p;
    p.audit_id = jp.audit_id;
    p.worker = jp.worker;
    p.validator = jp.validator;
    p.job = std::move(jp.job);
    p.output_hash = jp.output_hash;
    p.worker_class = std::move(jp.worker_class);
    p.commitment = std::move(jp.commitment);
    p.plan = std::move(jp.plan);
    p.appealed = jp.appealed;
    p.notice = std::move(jp.notice);
    p.deadline_ms = now_ms + (p.appealed ? std::int64_t{s.options.policy.audit.timeout_ms}
                                         : std::max<std::int64_t>(0, jp.remaining_ms));
    s.penalties[p.audit_id] = std::move(p);
  }
  if (auto swept = release_unwanted_images(s); !swept) return swept;
  if (s.fatal) return std::unexpected(*s.fatal);
  return {};
}

}  // namespace seedgrid::coordinator
