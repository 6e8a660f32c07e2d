// Settlement: the treasury orders a request and its jobs need (hold, settle, cancelpay, refund,
// release, slash), each under an idempotency key, re-sent until answered; and what each kind of
// receipt does to the request, one function per kind.
#include <limits>

#include "actors/coordinator/core_state.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::EventKind;
using protocol::LedgerOrder;
using protocol::LedgerOrderKind;
using protocol::refuse;

namespace {

// What the client's receipt says a job's payment did; `reference` is the idempotency key when the
// ledger applied it, else why not.
void record_payment(protocol::PaymentReceipt& to, const protocol::LedgerReceipt& paid,
                    const std::string& key, std::string_view not_done) {
  to.worker_paid = paid.worker_paid;
  to.creator_paid = paid.creator_paid;
  to.platform_fee = paid.platform_fee;
  to.burned = paid.burned;
  to.charged = paid.worker_paid + paid.creator_paid + paid.platform_fee + paid.burned;
  to.reference = paid.ok ? key : std::string(not_done) + ": " + paid.error;
}

// The escrow hold of a request: the request goes active (its jobs queue), or is refused.
void hold_placed(CoreState& s, const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                 std::int64_t now_ms, Outbox& out) {
  RequestState* r = s.find_request(order.request_id);
  if (r == nullptr) return;
  if (r->phase == RequestPhase::abandoned) {
    if (receipt.ok) {
      r->hold_id = receipt.hold_id;
      r->phase = RequestPhase::releasing;
      s.save_progress(*r);
      place_order(s, release_order(*r), out);
    } else {
      if (auto d = s.journal.delete_request(order.request_id); !d) s.record_fatal(d.error());
      s.forget_request(order.request_id);
    }
    return;
  }
  if (r->phase != RequestPhase::holding) return;
  if (!receipt.ok) {
    protocol::SubmitAck ack;
    ack.request_id = order.request_id;
    // A spent id (its hold released, hold_sweep.cpp) is a duplicate the client can fix by
    // choosing another, not a fault of the ledger's.
    ack.outcome = receipt.insufficient_funds ? refuse(ErrorCode::insufficient_funds, receipt.error)
                  : receipt.hold_released    ? refuse(ErrorCode::duplicate_request, receipt.error)
                                             : refuse(ErrorCode::ledger_rejected, receipt.error);
    out.add(AnswerSubmit{std::move(ack)});
    if (auto d = s.journal.delete_request(order.request_id); !d) s.record_fatal(d.error());
    s.forget_request(order.request_id);
    return;
  }
  r->hold_id = receipt.hold_id;
  r->per_job = receipt.per_job;
  r->quoted = receipt.held;
  r->phase = RequestPhase::active;
  r->jobs.resize(r->request.count);
  // Jobs ahead of this request in the queue: fast before relaxed, then by acceptance.
  const auto ahead = static_cast<std::uint32_t>(s.jobs_ahead_of(queue_place(*r)));
  for (std::uint32_t i = 0; i < r->request.count; ++i) {
    JobState& j = r->jobs[i];
    j.index = i;
    if (r->cancel_requested) {
      s.set_phase(*r, j, JobPhase::cancelled, now_ms);
      j.last_code = ErrorCode::cancelled;
    } else {
      s.set_phase(*r, j, JobPhase::queued, now_ms);
    }
  }
  s.save_progress(*r);
  // Queued jobs need no row (journal.hpp, put_jobs); cancelled ones do.
  if (r->cancel_requested)
    if (auto w = s.journal.put_jobs(*r); !w) s.record_fatal(w.error());
  auto e = s.event(EventKind::queued, *r, nullptr);
  e.position = ahead;
  out.add(TellClient{std::move(e)});
  out.add(AnswerSubmit{s.ack_of(*r, false)});
  maybe_finish(s, *r, out);
  dispatch(s, now_ms, out);
}

// A job whose image the client already has (start_settlement), paid: the client gets its receipt.
void job_settled(CoreState& s, const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                 std::int64_t now_ms, Outbox& out) {
  auto [r, j] = s.find_job(order.job_id);
  if (j == nullptr || j->phase != JobPhase::settling) return;
  record_payment(j->receipt, receipt, order.key, "not settled");
  s.set_phase(*r, *j, JobPhase::delivered, now_ms);
  ++s.jobs_delivered;
  s.save_payment(*r, *j);
  out.add(TellClient{paid_event(s, *r, *j)});
  maybe_finish(s, *r, out);
}

// A cancelled job's completed steps paid.
void cancelled_job_paid(CoreState& s, const LedgerOrder& order,
                        const protocol::LedgerReceipt& receipt, std::int64_t now_ms, Outbox& out) {
  auto [r, j] = s.find_job(order.job_id);
  if (j == nullptr || j->phase != JobPhase::paying_cancelled) return;
  record_payment(j->receipt, receipt, order.key, "not paid");
  s.set_phase(*r, *j, JobPhase::cancelled, now_ms);
  j->last_code = ErrorCode::cancelled;
  s.save(*r, *j);
  auto e = s.event(EventKind::cancelled, *r, j);
  e.code = ErrorCode::cancelled;
  e.reason = "cancelled by the client after " + std::to_string(j->steps_done) + " of " +
             std::to_string(r->request.steps) + " steps (paid)";
  e.step = j->steps_done;
  e.steps = r->request.steps;
  e.receipt = j->receipt;
  out.add(TellClient{std::move(e)});
  maybe_finish(s, *r, out);
}

// A job that used up its attempts, refunded.
void job_refunded(CoreState& s, const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                  std::int64_t now_ms, Outbox& out) {
  auto [r, j] = s.find_job(order.job_id);
  if (j == nullptr || j->phase != JobPhase::refunding) return;
  r->refunded += receipt.payer_refunded;
  s.set_phase(*r, *j, JobPhase::failed, now_ms);
  ++s.jobs_failed;
  s.save_progress(*r);
  s.save(*r, *j);
  auto e = s.event(EventKind::failed, *r, j);
  const bool final_code = j->last_code == ErrorCode::no_capable_worker ||
                          j->last_code == ErrorCode::job_invalid ||
                          j->last_code == ErrorCode::task_script_failed;
  e.code = final_code ? j->last_code : ErrorCode::attempts_exhausted;
  e.reason = "failed after " + std::to_string(j->failures) +
             " attempt(s), refunded; last: " + j->last_reason;
  out.add(TellClient{std::move(e)});
  maybe_finish(s, *r, out);
}

// The rest of a request's hold given back: the request is done.
void hold_released(CoreState& s, const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                   std::int64_t /*now_ms*/, Outbox& out) {
  // Not in memory: a hold the sweep found without its request (hold_sweep.cpp).
  auto it = s.requests.find(order.key.substr(release_key("").size()));
  if (it == s.requests.end() || it->second.phase != RequestPhase::releasing) return;
  RequestState& r = it->second;
  if (r.jobs.empty()) {  // an abandoned request's hold, given back
    if (auto d = s.journal.delete_request(r.request.request_id); !d) s.record_fatal(d.error());
    s.forget_request(r.request.request_id);
    return;
  }
  r.refunded += receipt.payer_refunded;
  r.phase = RequestPhase::done;
  s.save_progress(r);
  complete(s, r, out);
  if (r.request.privacy == protocol::Privacy::private_images) s.release_private_images(r);
  s.keep_done(r);  // last: it may let `r` go
}

// A slash answered: it is not re-sent again.
void slash_applied(CoreState& s, const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                   std::int64_t now_ms, Outbox& out) {
  if (auto w = s.journal.slash_done(order.key); !w) s.record_fatal(w.error());
  // The slash may have taken the worker below the fast tier's minimum: ask now, not at the
  // next refresh.
  if (receipt.ok)
    for (auto& [k, n] : s.nodes.nodes())
      if (n.role == protocol::Role::worker && n.connected && n.capabilities.serves_fast &&
          worker_account(k) == order.worker) {
        n.stake_checked_ms = now_ms;
        out.add(CheckStake{k});
      }
}

}  // namespace

void place_order(CoreState& s, LedgerOrder order, Outbox& out) {
  out.add(PlaceOrder{order});
  const std::string key = order.key;
  s.orders[key] = PendingOrder{std::move(order), true, 0};
}

// The image goes out with the commit that makes its result (or its audit's pass) durable, the
// payment after it: a settlement the ledger refuses never held an image back (the client is told
// why in its paid event), and a restart re-sends the same order, so nothing acknowledged hangs on
// the treasury's round trip.
void start_settlement(CoreState& s, RequestState& r, JobState& j, Outbox& out) {
  s.set_phase(r, j, JobPhase::settling, 0);
  place_order(s, job_order(LedgerOrderKind::settle, r, j), out);
  s.save(r, j);
  deliver(s, r, j, out);
}

LedgerOrder hold_order(const CoreState& s, const RequestState& r) {
  const auto& q = r.request;
  LedgerOrder o;
  o.kind = LedgerOrderKind::hold;
  o.key = "hold/" + q.request_id;
  o.payer = user_account(q.payer);
  o.request_id = q.request_id;
  o.coordinator = s.key().hex();
  o.price = {r.base_render_millis, q.steps, q.width, q.height, q.tier, q.count};
  if (r.task) o.price.pixel_steps = protocol::passes_work(r.task->passes) + r.task->input_pixels;
  return o;
}

std::string release_key(std::string_view request_id) {
  return "release/" + std::string(request_id);
}

LedgerOrder release_order(std::string_view request_id, std::int64_t hold_id) {
  LedgerOrder o;
  o.kind = LedgerOrderKind::release;
  o.key = release_key(request_id);
  o.hold_id = hold_id;
  return o;
}

LedgerOrder release_order(const RequestState& r) {
  return release_order(r.request.request_id, r.hold_id);
}

// Keys name the job and its attempt: a re-sent order is the same order, a re-run is a new one (and
// the ledger finalises each job of a hold once whatever the key).
LedgerOrder job_order(LedgerOrderKind kind, const RequestState& r, const JobState& j) {
  static constexpr const char* kPrefix[] = {"hold/",   "settle/",  "cancelpay/",
                                            "refund/", "release/", "slash/"};
  LedgerOrder o;
  o.kind = kind;
  o.job_id = protocol::job_id_of(r.request.request_id, j.index);
  o.key = kPrefix[static_cast<int>(kind)] + o.job_id + "/" + std::to_string(j.attempt);
  o.hold_id = r.hold_id;
  if (kind == LedgerOrderKind::settle || kind == LedgerOrderKind::pay_cancelled) {
    o.worker = j.worker ? worker_account(*j.worker) : std::string();
    o.creator = r.creator;
    o.completed_steps = j.steps_done;
  }
  return o;
}

void maybe_finish(CoreState& s, RequestState& r, Outbox& out) {
  if (r.phase != RequestPhase::active || !r.all_final()) return;
  r.phase = RequestPhase::releasing;
  s.save_progress(r);
  place_order(s, release_order(r), out);
}

void deliver(CoreState& s, RequestState& r, JobState& j, Outbox& out) {
  auto pixels = s.results.take(j.output_hash);
  if (!pixels) {
    auto e = s.event(EventKind::failed, r, &j);
    e.code = ErrorCode::internal;
    e.reason = r.request.privacy == protocol::Privacy::private_images && r.phase == RequestPhase::done
                   ? std::string("the image of this private request was erased once delivered")
                   : "the coordinator lost the stored image: " + pixels.error().message;
    out.add(TellClient{std::move(e)});
    return;
  }
  auto e = s.event(EventKind::result, r, &j);
  e.width = r.request.width;
  e.height = r.request.height;
  e.pixels = std::move(*pixels);
  e.output_hash = j.output_hash;
  e.determinism_class = j.determinism_class;
  e.render_ms = j.render_ms;
  e.audit = j.audit.summary;
  e.receipt = j.receipt;
  e.commitment = j.audit.commitment;
  if (r.task) {
    e.task_script = r.task->script_id;
    e.passes = r.task->passes;
  }
  out.add(TellClient{std::move(e)});
}

protocol::ClientEvent paid_event(const CoreState& s, const RequestState& r, const JobState& j) {
  auto e = s.event(EventKind::paid, r, &j);
  e.receipt = j.receipt;
  return e;
}

void complete(CoreState& s, RequestState& r, Outbox& out) {
  auto e = s.event(EventKind::completed, r, nullptr);
  for (const auto& j : r.jobs) {
    if (j.phase == JobPhase::delivered) ++e.delivered;
    if (j.phase == JobPhase::failed) ++e.failed;
    if (j.phase == JobPhase::cancelled) ++e.cancelled;
    e.total_charged += j.receipt.charged;
  }
  e.refunded = r.refunded;
  out.add(TellClient{std::move(e)});
}

void CoordinatorCore::on_receipt(const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                                 std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  if (s.orders.erase(order.key) == 0) return;  // an answer to an order already answered
  switch (order.kind) {
    case LedgerOrderKind::hold:
      return hold_placed(s, order, receipt, now_ms, out);
    case LedgerOrderKind::settle:
      return job_settled(s, order, receipt, now_ms, out);
    case LedgerOrderKind::pay_cancelled:
      return cancelled_job_paid(s, order, receipt, now_ms, out);
    case LedgerOrderKind::refund:
      return job_refunded(s, order, receipt, now_ms, out);
    case LedgerOrderKind::release:
      return hold_released(s, order, receipt, now_ms, out);
    case LedgerOrderKind::slash:
      return slash_applied(s, order, receipt, now_ms, out);
  }
}

void CoordinatorCore::on_order_lost(const LedgerOrder& order, std::int64_t now_ms) {
  CoreState& s = *state_;
  auto it = s.orders.find(order.key);
  if (it == s.orders.end()) return;
  it->second.in_flight = false;
  it->second.retry_at_ms = now_ms + s.options.order_retry_ms;
}

void CoordinatorCore::treasury_up(std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  resend_orders(s, std::numeric_limits<std::int64_t>::max(), out);
  ask_stakes_after_outage(s, now_ms, out);
  ask_open_holds(s, now_ms, out, true);
}

void resend_orders(CoreState& s, std::int64_t due_by_ms, Outbox& out) {
  for (auto& [key, pending] : s.orders) {
    if (pending.in_flight || pending.retry_at_ms > due_by_ms) continue;
    pending.in_flight = true;
    out.add(PlaceOrder{pending.order});
  }
}

void expire_hold(CoreState& s, RequestState& r, std::int64_t now_ms, Outbox& out) {
  if (now_ms - r.accepted_ms <= s.options.hold_timeout_ms) return;
  r.phase = RequestPhase::abandoned;
  s.save_progress(r);
  protocol::SubmitAck ack;
  ack.request_id = r.request.request_id;
  ack.outcome = refuse(ErrorCode::treasury_unavailable,
                       "the treasury did not place the escrow hold within " +
                           std::to_string(s.options.hold_timeout_ms) + " ms; nothing was charged");
  out.add(AnswerSubmit{std::move(ack)});
}

}  // namespace seedgrid::coordinator
