// A client's request: submit (validated, then held in escrow: settlement.cpp answers the submit
// when the hold is placed), attach (re-sends what the client missed), cancel, and status.
#include <algorithm>

#include "actors/coordinator/core_state.hpp"
#include "actors/coordinator/request_validator.hpp"
#include "actors/coordinator/router.hpp"
#include "actors/coordinator/task_admission.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::EventKind;
using protocol::refuse;
using protocol::Reply;

namespace {

// The one way a client catches up with a known request, whether it submitted it again or
// attached: every result it does not have yet, the payment of every paid job (a few bytes; the
// client may have missed it with its connection), then the completed event when the request is
// over; whatever happens next reaches it like any attached client.
void follow(CoreState& s, RequestState& r, const std::set<std::uint32_t>& have, Outbox& out) {
  for (auto& j : r.jobs) {
    const bool has_image = j.phase == JobPhase::settling || j.phase == JobPhase::delivered;
    if (has_image && !have.contains(j.index)) deliver(s, r, j, out);
    if (j.phase == JobPhase::delivered) out.add(TellClient{paid_event(s, r, j)});
  }
  if (r.phase == RequestPhase::done) complete(s, r, out);
}

// Attach and cancel: signed by the payer of a known request, for this coordinator, fresh.
Reply check_command(CoreState& s, const protocol::ClientCommand& command,
                    protocol::ClientCommandKind kind, std::int64_t wall_ms) {
  const std::string name(protocol::client_command_kind_name(kind));
  if (command.kind != kind ||
      !protocol::client_command_valid(command, s.key()))
    return refuse(ErrorCode::bad_signature,
                  name + " command's signature does not verify for " + command.payer.hex());
  if (Reply fresh = s.seen_commands.check(command, wall_ms); !fresh.ok()) return fresh;
  RequestState* r = s.find_request(command.request_id);
  if (r == nullptr || r->phase == RequestPhase::abandoned)
    return refuse(ErrorCode::unknown_request, "no request '" + command.request_id + "'");
  if (r->request.payer != command.payer)
    return refuse(ErrorCode::bad_signature,
                  "request '" + command.request_id + "' belongs to another payer");
  // Only now: a stranger's commands (any key can sign) take no room in the book.
  s.seen_commands.remember(command);
  if (auto w = s.journal.put_command_nonce({command.payer, command.nonce, command.expires_unix_ms},
                                           wall_ms);
      !w)
    s.record_fatal(w.error());
  return {};
}

}  // namespace

CoordinatorCore::SubmitAnswer CoordinatorCore::submit(const protocol::GenerateRequest& request,
                                                      std::int64_t now_ms, Outbox& out,
                                                      protocol::RequestSignature signature) {
  CoreState& s = *state_;
  if (RequestState* known = s.find_request(request.request_id)) {
    if (known->digest != protocol::request_digest(request) ||
        known->request.signature != request.signature)
      return {refuse(ErrorCode::duplicate_request,
                     "request id '" + request.request_id +
                         "' is already used by a different request; choose another id"),
              std::nullopt};
    if (known->phase == RequestPhase::abandoned)
      return {refuse(ErrorCode::duplicate_request,
                     "request '" + request.request_id +
                         "' was refused earlier (the treasury did not answer); submit it under a "
                         "new id"),
              std::nullopt};
    if (known->phase == RequestPhase::holding) return {Reply{}, std::nullopt};
    // A copy of a signed request is enough to submit it again (requests carry no nonce,
    // request.hpp): a private request's images go only to a fresh attach, which the client
    // sends on this acknowledgement.
    if (known->request.privacy == protocol::Privacy::public_images) follow(s, *known, {}, out);
    return {Reply{}, s.ack_of(*known, true)};
  }
  // A hold a crash left without its request (hold_sweep.cpp), not released yet: the only
  // release order pending for a request not in memory.
  if (s.orders.contains(release_key(request.request_id)))
    return {refuse(ErrorCode::duplicate_request,
                   "request id '" + request.request_id +
                       "' was held by a submit that a restart of this coordinator lost before "
                       "it was answered; its hold is being released: choose another id"),
            std::nullopt};
  // Not in memory but journaled: a done request that left memory (CoreState::keep_done, or a
  // restart). Taken again, its id would overwrite that request's record.
  auto journaled = s.journal.knows_request(request.request_id);
  if (!journaled) {
    s.record_fatal(journaled.error());
    return {refuse(ErrorCode::internal, "the coordinator cannot read its journal"), std::nullopt};
  }
  if (*journaled)
    return {refuse(ErrorCode::duplicate_request,
                   "request id '" + request.request_id +
                       "' belongs to an earlier request, done and kept in the journal; choose "
                       "another id"),
            std::nullopt};
  const Reply valid =
      validate_request(request, s.options.catalog, s.options.policy.limits,
                       s.options.policy.benchmark_tasks, &s.options.task_types, signature);
  if (!valid.ok()) return {valid, std::nullopt};
  // Before the hold: a request the script's schema refuses is charged nothing.
  TaskAdmission task = admit_task(request, s.options.task_types, s.options.policy.limits);
  if (!task.reply.ok()) return {task.reply, std::nullopt};
  protocol::JobSpec first = protocol::job_spec_of(request, 0);
  if (task.task) first.task_script = task.task->script_id;
  if (!any_capable_worker(s.nodes, first, request.tier))
    return {refuse(ErrorCode::no_capable_worker,
                   no_capable_worker_reason(s.nodes, first, request.tier)),
            std::nullopt};
  const protocol::ModelEntry* model = s.options.catalog.find(request.model_id);
  RequestState r;
  r.request = request;
  r.digest = protocol::request_digest(request);
  r.sequence = s.journal.next_sequence();
  r.phase = RequestPhase::holding;
  r.creator = model->creator;
  r.base_render_millis = model->base_render_milliseconds;
  r.accepted_ms = now_ms;
  r.task = std::move(task.task);
  // The images live in the journal alone (fetched by id); the request in memory names them.
  std::vector<RgbImage> images = std::move(r.request.images);
  r.request.images.clear();
  const std::string id = request.request_id;
  RequestState& stored = s.add_request(std::move(r));
  s.save_submitted(stored);
  if (!images.empty())
    if (auto w = s.journal.put_input_images(id, images); !w) s.record_fatal(w.error());
  // The script as accepted, for the workers that will ask for it by id (journal_tasks.hpp).
  if (stored.task)
    if (const auto* script = s.options.task_types.find_by_id(stored.task->script_id))
      if (auto w = s.journal.put_task_script(script->id(), script->file_name(), script->source());
          !w)
        s.record_fatal(w.error());
  place_order(s, hold_order(s, stored), out);
  return {Reply{}, std::nullopt};
}

protocol::SubmitAck CoordinatorCore::attach(const protocol::ClientCommand& command,
                                            const std::vector<std::uint32_t>& have,
                                            std::int64_t wall_ms, Outbox& out) {
  CoreState& s = *state_;
  protocol::SubmitAck ack;
  ack.coordinator = s.key();
  ack.request_id = command.request_id;
  ack.outcome = check_command(s, command, protocol::ClientCommandKind::attach, wall_ms);
  if (!ack.outcome.ok()) return ack;
  RequestState& r = *s.find_request(command.request_id);
  follow(s, r, std::set<std::uint32_t>(have.begin(), have.end()), out);
  ack = s.ack_of(r, true);
  ack.request = r.request;
  return ack;
}

Reply CoordinatorCore::cancel(const protocol::ClientCommand& command, std::int64_t now_ms,
                              std::int64_t wall_ms, Outbox& out) {
  CoreState& s = *state_;
  if (Reply checked = check_command(s, command, protocol::ClientCommandKind::cancel, wall_ms);
      !checked.ok())
    return checked;
  RequestState* r = s.find_request(command.request_id);
  if (r->cancel_requested || r->phase == RequestPhase::releasing || r->phase == RequestPhase::done)
    return {};
  r->cancel_requested = true;
  s.save_progress(*r);
  for (auto& j : r->jobs) {
    if (j.phase == JobPhase::queued) {
      s.set_phase(*r, j, JobPhase::cancelled, now_ms);
      j.last_code = ErrorCode::cancelled;
      j.last_reason = "cancelled by the client before it started";
      auto e = s.event(EventKind::cancelled, *r, &j);
      e.code = ErrorCode::cancelled;
      e.reason = j.last_reason;
      out.add(TellClient{std::move(e)});
      s.save(*r, j);
    } else if (j.phase == JobPhase::assigned || j.phase == JobPhase::running) {
      s.set_phase(*r, j, JobPhase::cancelling, now_ms);
      j.deadline_ms = now_ms + s.options.policy.deadlines.cancel_grace_ms;
      out.add(CancelJob{*j.worker, protocol::job_id_of(r->request.request_id, j.index), j.attempt});
      s.save(*r, j);
    }
  }
  maybe_finish(s, *r, out);
  return {};
}

protocol::StatusReport CoordinatorCore::status(std::int64_t now_ms) const {
  const CoreState& s = *state_;
  protocol::StatusReport report;
  report.coordinator = s.key();
  report.version = protocol::release();
  report.uptime_seconds =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms - s.started_ms) / 1000);
  report.models = s.options.catalog.entries();
  report.limits = network_limits_of(s.options.policy.limits);
  report.task_types = s.options.task_types.entries();
  for (const auto& [k, n] : s.nodes.nodes()) {
    report.nodes.push_back(n.status(now_ms));
    if (n.role == protocol::Role::worker) report.nodes.back().audit_rate = s.audit_rate_of(n);
  }
  std::stable_sort(report.nodes.begin(), report.nodes.end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.role) < static_cast<int>(b.role);
  });
  for (const auto& [id, r] : s.requests) {
    if (r.phase == RequestPhase::active || r.phase == RequestPhase::holding)
      ++report.requests_active;
    for (const auto& j : r.jobs) {
      if (j.phase == JobPhase::queued) ++report.jobs_queued;
      if (j.phase == JobPhase::assigned || j.phase == JobPhase::running) ++report.jobs_running;
    }
  }
  report.jobs_delivered = s.jobs_delivered;
  report.jobs_failed = s.jobs_failed;
  return report;
}

}  // namespace seedgrid::coordinator
