#include "actors/coordinator/coordinator_core.hpp"

#include <algorithm>
#include <filesystem>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/audit_rate.hpp"
#include "actors/coordinator/deadline.hpp"
#include "actors/coordinator/request_validator.hpp"
#include "actors/coordinator/router.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::EventKind;
using protocol::LedgerOrder;
using protocol::LedgerOrderKind;
using protocol::refuse;
using protocol::Reply;

namespace {

constexpr const char* kVersion = "seedgrid 0.1.0";

std::string ms_text(std::int64_t ms) { return std::to_string(ms) + " ms"; }

// Step audits fetch openings from the worker (through the coordinator) while they run.
bool needs_openings(const std::vector<protocol::AuditItem>& plan) {
  return std::any_of(plan.begin(), plan.end(), [](const auto& item) { return item.kind == 1; });
}

// What the client's receipt says a job's payment did; `reference` is the idempotency key when the
// ledger applied it, else why not.
void record_payment(protocol::Receipt& to, const protocol::LedgerReceipt& paid,
                    const std::string& key, std::string_view not_done) {
  to.worker_paid = paid.worker_paid;
  to.creator_paid = paid.creator_paid;
  to.platform_fee = paid.platform_fee;
  to.burned = paid.burned;
  to.charged = paid.worker_paid + paid.creator_paid + paid.platform_fee + paid.burned;
  to.reference = paid.ok ? key : std::string(not_done) + ": " + paid.error;
}

}  // namespace

std::string worker_account(const PublicKey& key) { return "worker:" + key.hex(); }
std::string validator_account(const PublicKey& key) { return "validator:" + key.hex(); }
std::string user_account(const PublicKey& key) { return "user:" + key.hex(); }

bool Outbox::empty() const {
  return jobs.empty() && cancels.empty() && audits.empty() && notices.empty() && events.empty() &&
         orders.empty() && acks.empty() && stake_checks.empty();
}

void Outbox::clear() {
  jobs.clear();
  cancels.clear();
  audits.clear();
  notices.clear();
  events.clear();
  orders.clear();
  acks.clear();
  stake_checks.clear();
}

CoordinatorCore::CoordinatorCore(const Identity& identity, CoreOptions options, Journal journal,
                                 Digest salt)
    : identity_(identity),
      options_(std::move(options)),
      journal_(std::move(journal)),
      results_((std::filesystem::path(options_.data_dir) / "results").string()),
      registrar_(identity, options_.policy.challenge_ttl_ms),
      sampler_(salt, options_.policy.audit.rate),
      nodes_(options_.policy.reputation) {}

CoordinatorCore::~CoordinatorCore() = default;

Result<std::unique_ptr<CoordinatorCore>> CoordinatorCore::open(const Identity& identity,
                                                               CoreOptions options,
                                                               std::int64_t now_ms, Outbox& out) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail("cannot create data directory ", options.data_dir, ": ", ec.message());
  auto journal =
      Journal::open((std::filesystem::path(options.data_dir) / "journal.sqlite").string(),
                    options.prompt_key_file);
  if (!journal) return std::unexpected(journal.error());
  auto salt = journal->audit_salt();
  if (!salt) return context(salt.error(), "reading the audit salt");
  auto run = journal->begin_run();
  if (!run) return context(run.error(), "counting the coordinator's runs");
  std::unique_ptr<CoordinatorCore> core(
      new CoordinatorCore(identity, std::move(options), std::move(*journal), *salt));
  core->started_ms_ = now_ms;
  core->run_ = *run;
  core->next_uptime_sample_ms_ = now_ms + core->options_.uptime_sample_ms;
  if (auto r = core->recover(now_ms, out); !r) return context(r.error(), "resuming the journal");
  if (auto c = core->commit(); !c) return std::unexpected(c.error());
  return core;
}

Result<void> CoordinatorCore::recover(std::int64_t now_ms, Outbox& out) {
  auto journaled_nodes = journal_.load_nodes();
  if (!journaled_nodes) return std::unexpected(journaled_nodes.error());
  for (const auto& jn : *journaled_nodes) {
    NodeEntry& n = nodes_.restore(jn.key, jn.role, jn.reputation);
    n.jobs_done = jn.jobs_done;
    n.jobs_failed = jn.jobs_failed;
    n.audits_passed = jn.audits_passed;
    n.audits_failed = jn.audits_failed;
    n.blacklisted = jn.blacklisted;
  }
  auto loaded = journal_.load_requests(options_.recent_done_requests);
  if (!loaded) return std::unexpected(loaded.error());
  for (auto& loaded_request : *loaded) {
    const std::string id = loaded_request.request.request_id;
    RequestState& r = requests_.emplace(id, std::move(loaded_request)).first->second;
    r.accepted_ms = now_ms;
    switch (r.phase) {
      case RequestPhase::holding:
      case RequestPhase::abandoned:
        place_order(hold_order(r), out);
        break;
      case RequestPhase::active:
        for (auto& j : r.jobs) {
          switch (j.phase) {
            case JobPhase::queued:
              set_phase(r, j, JobPhase::queued, now_ms);
              break;
            case JobPhase::assigned:
            case JobPhase::running:
            case JobPhase::cancelling:
              // The coordinator's restart is not the worker's fault: back to the queue without a
              // failure (the next assignment is a new attempt, so its payment key is new).
              if (r.cancel_requested && j.phase == JobPhase::cancelling && j.steps_done > 0 &&
                  j.worker) {
                // Its report died with the old run: pay the steps journaled when the cancel came
                // (what the cancel grace pays when no report arrives), with the key the report's
                // order would have had.
                set_phase(r, j, JobPhase::paying_cancelled, now_ms);
                place_order(job_order(LedgerOrderKind::pay_cancelled, r, j), out);
              } else if (r.cancel_requested) {
                set_phase(r, j, JobPhase::cancelled, now_ms);
              } else {
                set_phase(r, j, JobPhase::queued, now_ms);
              }
              save(r, j);
              break;
            case JobPhase::auditing:
              // The audit goes again, with its journaled commitment and plan, to the first
              // validator that registers (admit); its old validator's session died with the run.
              j.validator.reset();
              j.deadline_ms = now_ms + options_.policy.audit.timeout_ms;
              save(r, j);
              break;
            case JobPhase::settling:
              start_settlement(r, j, out);
              break;
            case JobPhase::refunding:
              place_order(job_order(LedgerOrderKind::refund, r, j), out);
              break;
            case JobPhase::paying_cancelled:
              place_order(job_order(LedgerOrderKind::pay_cancelled, r, j), out);
              break;
            case JobPhase::delivered:
            case JobPhase::failed:
            case JobPhase::cancelled:
              break;
          }
        }
        maybe_finish(r, out);
        break;
      case RequestPhase::releasing:
        place_order(release_order(r), out);
        break;
      case RequestPhase::done:
        break;
    }
  }
  auto slashes = journal_.pending_slashes();
  if (!slashes) return std::unexpected(slashes.error());
  for (auto& o : *slashes) place_order(std::move(o), out);
  // Slashes waiting for their appeal window: the window goes on with the time it had left; an
  // appeal in progress goes to a referee again once one registers (admit), the worker's one
  // appeal already used.
  auto penalties = journal_.load_penalties();
  if (!penalties) return std::unexpected(penalties.error());
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
    p.deadline_ms = now_ms + (p.appealed ? std::int64_t{options_.policy.audit.timeout_ms}
                                         : std::max<std::int64_t>(0, jp.remaining_ms));
    penalties_[p.audit_id] = std::move(p);
  }
  if (fatal_) return std::unexpected(*fatal_);
  return {};
}

// --- bookkeeping ---

RequestState* CoordinatorCore::find_request(const std::string& request_id) {
  auto it = requests_.find(request_id);
  return it == requests_.end() ? nullptr : &it->second;
}

const RequestState* CoordinatorCore::request(const std::string& request_id) const {
  auto it = requests_.find(request_id);
  return it == requests_.end() ? nullptr : &it->second;
}

std::pair<RequestState*, JobState*> CoordinatorCore::find_job(const std::string& job_id) {
  const auto slash = job_id.rfind('/');
  if (slash == std::string::npos) return {nullptr, nullptr};
  RequestState* r = find_request(job_id.substr(0, slash));
  if (r == nullptr) return {nullptr, nullptr};
  std::uint32_t index = 0;
  const std::string digits = job_id.substr(slash + 1);
  if (digits.empty() || digits.size() > 9) return {nullptr, nullptr};
  for (char c : digits) {
    if (c < '0' || c > '9') return {nullptr, nullptr};
    index = index * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (index >= r->jobs.size()) return {nullptr, nullptr};
  return {r, &r->jobs[index]};
}

protocol::Job CoordinatorCore::job_message(const RequestState& r, const JobState& j) const {
  protocol::Job job;
  job.request_id = r.request.request_id;
  job.index = j.index;
  job.job_id = protocol::job_id_of(job.request_id, j.index);
  job.attempt = j.attempt;
  job.tier = r.request.tier;
  job.spec = protocol::job_spec_of(r.request, j.index);
  return job;
}

protocol::ClientEvent CoordinatorCore::event(EventKind kind, const RequestState& r,
                                             const JobState* j) const {
  protocol::ClientEvent e;
  e.kind = kind;
  e.request_id = r.request.request_id;
  if (j != nullptr) {
    e.index = j->index;
    e.attempt = j->attempt;
    if (j->worker) e.worker = *j->worker;
  }
  return e;
}

void CoordinatorCore::set_phase(RequestState& r, JobState& j, JobPhase phase, std::int64_t now_ms) {
  const std::string& id = r.request.request_id;
  if (j.phase == JobPhase::queued && phase != JobPhase::queued) {
    auto it = queued_.find(id);
    if (it != queued_.end()) {
      it->second.erase(j.index);
      if (it->second.empty()) queued_.erase(it);
    }
  }
  if (phase == JobPhase::queued) {
    queued_[id].insert(j.index);
    j.queued_since_ms = now_ms;
  }
  j.phase = phase;
}

void CoordinatorCore::fatal(const Error& e) {
  if (!fatal_) fatal_ = e;
}

void CoordinatorCore::save(const RequestState& r, const JobState& j) {
  if (auto w = journal_.put_job(r.request.request_id, j); !w) fatal(w.error());
}

void CoordinatorCore::save(const RequestState& r) {
  if (auto w = journal_.put_request(r); !w) fatal(w.error());
}

void CoordinatorCore::save_verification(const RequestState& r, const JobState& j) {
  if (auto w = journal_.put_verification(r.request.request_id, j, job_message(r, j)); !w)
    fatal(w.error());
}

void CoordinatorCore::save_penalty(const PendingPenalty& p, std::int64_t now_ms) {
  JournaledPenalty jp{p.audit_id,  p.worker,     p.validator,
                      p.job,       p.output_hash, p.worker_class,
                      p.commitment, p.plan,      std::max<std::int64_t>(0, p.deadline_ms - now_ms),
                      p.appealed};
  if (auto w = journal_.put_penalty(jp); !w) fatal(w.error());
}

void CoordinatorCore::save_node(const NodeEntry& n) {
  JournaledNode jn{n.key,         n.role,          n.reputation.state(), n.jobs_done,
                   n.jobs_failed, n.audits_passed, n.audits_failed,      n.blacklisted};
  if (auto w = journal_.put_node(jn); !w) fatal(w.error());
}

Result<void> CoordinatorCore::commit() {
  if (fatal_) return std::unexpected(*fatal_);
  auto c = journal_.commit();
  if (!c) fatal(c.error());
  return c;
}

void CoordinatorCore::place_order(LedgerOrder order, Outbox& out) {
  out.orders.push_back(order);
  const std::string key = order.key;
  orders_[key] = PendingOrder{std::move(order), true, 0};
}

protocol::SubmitAck CoordinatorCore::ack_of(const RequestState& r, bool resumed) const {
  protocol::SubmitAck a;
  a.coordinator = key();
  a.request_id = r.request.request_id;
  a.jobs = r.request.count;
  a.quoted = r.quoted;
  a.hold_id = std::to_string(r.hold_id);
  a.resumed = resumed;
  return a;
}

// --- clients ---

CoordinatorCore::SubmitAnswer CoordinatorCore::submit(const protocol::GenerateRequest& request,
                                                      std::int64_t now_ms, Outbox& out) {
  if (RequestState* known = find_request(request.request_id)) {
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
    return {Reply{}, ack_of(*known, true)};
  }
  const Reply valid = validate_request(request, options_.catalog, options_.policy.limits,
                                       options_.policy.benchmark_tasks);
  if (!valid.ok()) return {valid, std::nullopt};
  const protocol::JobSpec first = protocol::job_spec_of(request, 0);
  if (!any_capable_worker(nodes_, first, request.tier))
    return {refuse(ErrorCode::no_capable_worker,
                   "no registered worker serves model " + request.model_id + " (" +
                       request.task_type + ") in the " +
                       std::string(protocol::tier_name(request.tier)) + " tier right now"),
            std::nullopt};
  const protocol::ModelEntry* model = options_.catalog.find(request.model_id);
  RequestState r;
  r.request = request;
  r.digest = protocol::request_digest(request);
  r.sequence = journal_.next_sequence();
  r.phase = RequestPhase::holding;
  r.creator = model->creator;
  r.base_render_millis = model->base_render_milliseconds;
  r.accepted_ms = now_ms;
  const std::string id = request.request_id;
  RequestState& stored = requests_.emplace(id, std::move(r)).first->second;
  save(stored);
  place_order(hold_order(stored), out);
  return {Reply{}, std::nullopt};
}

protocol::SubmitAck CoordinatorCore::attach(const protocol::ClientCommand& command,
                                            const std::vector<std::uint32_t>& have, Outbox& out) {
  protocol::SubmitAck ack;
  ack.coordinator = key();
  ack.request_id = command.request_id;
  if (command.kind != "attach" || !protocol::client_command_valid(command, key())) {
    ack.outcome = refuse(ErrorCode::bad_signature,
                         "attach command's signature does not verify for " + command.payer.hex());
    return ack;
  }
  RequestState* r = find_request(command.request_id);
  if (r == nullptr || r->phase == RequestPhase::abandoned) {
    ack.outcome = refuse(ErrorCode::unknown_request, "no request '" + command.request_id + "'");
    return ack;
  }
  if (r->request.payer != command.payer) {
    ack.outcome = refuse(ErrorCode::bad_signature,
                         "request '" + command.request_id + "' belongs to another payer");
    return ack;
  }
  const std::set<std::uint32_t> known(have.begin(), have.end());
  for (auto& j : r->jobs)
    if (j.phase == JobPhase::delivered && !known.contains(j.index)) deliver(*r, j, out);
  if (r->phase == RequestPhase::done) complete(*r, out);
  return ack_of(*r, true);
}

Reply CoordinatorCore::cancel(const protocol::ClientCommand& command, std::int64_t now_ms,
                              Outbox& out) {
  if (command.kind != "cancel" || !protocol::client_command_valid(command, key()))
    return refuse(ErrorCode::bad_signature,
                  "cancel command's signature does not verify for " + command.payer.hex());
  RequestState* r = find_request(command.request_id);
  if (r == nullptr || r->phase == RequestPhase::abandoned)
    return refuse(ErrorCode::unknown_request, "no request '" + command.request_id + "'");
  if (r->request.payer != command.payer)
    return refuse(ErrorCode::bad_signature,
                  "request '" + command.request_id + "' belongs to another payer");
  if (r->cancel_requested || r->phase == RequestPhase::releasing || r->phase == RequestPhase::done)
    return {};
  r->cancel_requested = true;
  save(*r);
  for (auto& j : r->jobs) {
    if (j.phase == JobPhase::queued) {
      set_phase(*r, j, JobPhase::cancelled, now_ms);
      j.last_code = ErrorCode::cancelled;
      j.last_reason = "cancelled by the client before it started";
      auto e = event(EventKind::cancelled, *r, &j);
      e.code = ErrorCode::cancelled;
      e.reason = j.last_reason;
      out.events.push_back(std::move(e));
      save(*r, j);
    } else if (j.phase == JobPhase::assigned || j.phase == JobPhase::running) {
      set_phase(*r, j, JobPhase::cancelling, now_ms);
      j.deadline_ms = now_ms + options_.policy.deadlines.cancel_grace_ms;
      out.cancels.push_back(
          {*j.worker, protocol::job_id_of(r->request.request_id, j.index), j.attempt});
      save(*r, j);
    }
  }
  maybe_finish(*r, out);
  return {};
}

protocol::StatusReport CoordinatorCore::status(std::int64_t now_ms) const {
  protocol::StatusReport s;
  s.coordinator = key();
  s.version = kVersion;
  s.uptime_seconds =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms - started_ms_) / 1000);
  s.models = options_.catalog.entries();
  for (const auto& [k, n] : nodes_.nodes()) {
    s.nodes.push_back(n.status(now_ms));
    if (n.role == protocol::Role::worker) s.nodes.back().audit_rate = audit_rate_of(n);
  }
  std::stable_sort(s.nodes.begin(), s.nodes.end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.role) < static_cast<int>(b.role);
  });
  for (const auto& [id, r] : requests_) {
    if (r.phase == RequestPhase::active || r.phase == RequestPhase::holding) ++s.requests_active;
    for (const auto& j : r.jobs) {
      if (j.phase == JobPhase::queued) ++s.jobs_queued;
      if (j.phase == JobPhase::assigned || j.phase == JobPhase::running) ++s.jobs_running;
    }
  }
  s.jobs_delivered = jobs_delivered_;
  s.jobs_failed = jobs_failed_;
  return s;
}

// --- nodes ---

protocol::Challenge CoordinatorCore::hello(std::int64_t now_ms) { return registrar_.issue(now_ms); }

Reply CoordinatorCore::verify_registration(const protocol::Registration& registration,
                                           std::int64_t now_ms) {
  return registrar_.verify(registration, now_ms);
}

protocol::RegistrationAck CoordinatorCore::admit(const protocol::Registration& registration,
                                                 bool fast_allowed, std::string note,
                                                 std::int64_t now_ms, Outbox& out) {
  if (const NodeEntry* existing = nodes_.find(registration.node); existing && existing->connected)
    node_down(registration.node, now_ms, out);  // a new session replaces the old one
  NodeEntry& n = nodes_.connect(registration.node, registration.role, registration.capabilities,
                                fast_allowed, now_ms);
  n.stake_checked_ms = now_ms;  // the caller just asked the treasury (or it was unreachable)
  save_node(n);
  protocol::RegistrationAck ack;
  ack.coordinator = key();
  ack.fast_tier = fast_allowed && registration.capabilities.serves_fast;
  ack.note = std::move(note);
  if (n.blacklisted) ack.note = "blacklisted after failed audits: no jobs will be routed here";
  // Audits waiting for a validator, or (resumed after a restart) for their worker to open its
  // trajectory, and appeals whose referee was lost go now.
  for (auto& [id, r] : requests_)
    for (auto& j : r.jobs)
      if (j.phase == JobPhase::auditing && !j.validator &&
          (n.role == protocol::Role::validator || j.worker == n.key))
        accept_output(r, j, now_ms, out, nullptr);
  for (auto& [id, p] : penalties_)
    if (p.appealed && !p.referee && (n.role == protocol::Role::validator || p.worker == n.key))
      send_appeal(p, now_ms, out);
  // Notices are not acknowledged: one sent while the worker was away, or lost with a restart,
  // would cost it its appeal. Told again at every registration inside the window (the worker
  // appeals an audit once, whatever it hears twice).
  if (n.role == protocol::Role::worker)
    for (const auto& [id, p] : penalties_)
      if (p.worker == n.key && !p.appealed && p.notice && now_ms <= p.deadline_ms)
        out.notices.push_back({p.worker, *p.notice});
  dispatch(now_ms, out);
  return ack;
}

void CoordinatorCore::node_down(const PublicKey& node, std::int64_t now_ms, Outbox& out) {
  NodeEntry* n = nodes_.find(node);
  if (n == nullptr || !n->connected) return;
  const protocol::Role role = n->role;
  const std::vector<std::string> lost = nodes_.disconnect(node, now_ms);
  if (role == protocol::Role::validator) {
    for (const auto& audit_id : lost) {
      if (auto p = penalties_.find(audit_id);
          p != penalties_.end() && p->second.appealed && p->second.referee == node) {
        p->second.referee.reset();  // another validator hears it, or the verdict stands at timeout
        send_appeal(p->second, now_ms, out);
        continue;
      }
      const auto hash = audit_id.rfind('#');
      auto [r, j] = find_job(audit_id.substr(0, hash == std::string::npos ? 0 : hash));
      if (j == nullptr || j->phase != JobPhase::auditing || j->validator != node) continue;
      j->validator.reset();
      accept_output(*r, *j, now_ms, out, nullptr);
    }
  } else {
    for (const auto& job_id : lost) {
      auto [r, j] = find_job(job_id);
      if (j == nullptr || !is_on_worker(j->phase) || j->worker != node) continue;
      if (j->phase == JobPhase::cancelling) {
        j->deadline_ms = now_ms;  // tick settles it with the steps it reported
        continue;
      }
      n->reputation.observe_failure();
      ++n->jobs_failed;
      fail_attempt(*r, *j, ErrorCode::worker_lost, "the worker's link went down", now_ms, out);
    }
  }
  save_node(*n);
  dispatch(now_ms, out);
}

void CoordinatorCore::release_worker(RequestState& r, JobState& j) {
  if (!j.worker) return;
  if (NodeEntry* n = nodes_.find(*j.worker))
    n->inflight.erase(protocol::job_id_of(r.request.request_id, j.index));
}

void CoordinatorCore::on_started(const PublicKey& from, const protocol::JobStarted& started,
                                 std::int64_t now_ms, Outbox& out) {
  auto [r, j] = find_job(started.job_id);
  if (j == nullptr || j->phase != JobPhase::assigned || j->worker != from ||
      j->attempt != started.attempt)
    return;
  set_phase(*r, *j, JobPhase::running, now_ms);
  j->batch = std::max<std::uint32_t>(1, started.batch_size);
  const NodeEntry* n = nodes_.find(from);
  const std::uint64_t speed = n ? n->capabilities.pixel_steps_per_second : 0;
  j->deadline_ms =
      now_ms + job_deadline_ms(options_.policy.deadlines,
                               protocol::job_work(protocol::job_spec_of(r->request, j->index)), 0,
                               j->batch, speed);
  out.events.push_back(event(EventKind::started, *r, j));
}

void CoordinatorCore::on_progress(const PublicKey& from, const protocol::JobProgress& progress,
                                  Outbox& out) {
  auto [r, j] = find_job(progress.job_id);
  if (j == nullptr || !is_on_worker(j->phase) || j->worker != from ||
      j->attempt != progress.attempt)
    return;
  j->steps_done = std::min(progress.step, r->request.steps);
  auto e = event(EventKind::progress, *r, j);
  e.step = j->steps_done;
  e.steps = r->request.steps;
  out.events.push_back(std::move(e));
}

Reply CoordinatorCore::on_failure(const PublicKey& from, const protocol::JobFailure& failure,
                                  std::int64_t now_ms, Outbox& out) {
  auto [r, j] = find_job(failure.job_id);
  if (j == nullptr) return refuse(ErrorCode::unknown_request, "no job '" + failure.job_id + "'");
  if (!is_on_worker(j->phase) || j->worker != from || j->attempt != failure.attempt)
    return refuse(ErrorCode::mismatch, "job " + failure.job_id + " attempt " +
                                           std::to_string(failure.attempt) +
                                           " is not assigned to this worker");
  release_worker(*r, *j);
  if (j->phase == JobPhase::cancelling && r->cancel_requested) {
    j->steps_done = std::min(failure.steps_done, r->request.steps);
    if (j->steps_done > 0) {
      set_phase(*r, *j, JobPhase::paying_cancelled, now_ms);
      place_order(job_order(LedgerOrderKind::pay_cancelled, *r, *j), out);
      save(*r, *j);
    } else {
      fail_attempt(*r, *j, ErrorCode::cancelled, "cancelled by the client before its first step",
                   now_ms, out);
    }
  } else {
    if (NodeEntry* n = nodes_.find(from)) {
      n->reputation.observe_failure();
      ++n->jobs_failed;
      save_node(*n);
    }
    fail_attempt(*r, *j, ErrorCode::worker_error,
                 "worker " + from.hex().substr(0, 12) + " could not render it: " + failure.reason,
                 now_ms, out);
  }
  dispatch(now_ms, out);
  return {};
}

Reply CoordinatorCore::on_result(const PublicKey& from, const protocol::JobResult& result,
                                 std::int64_t now_ms, Outbox& out) {
  auto [r, j] = find_job(result.job_id);
  if (j == nullptr) return refuse(ErrorCode::unknown_request, "no job '" + result.job_id + "'");
  if (!is_on_worker(j->phase) || j->worker != from || j->attempt != result.attempt)
    return refuse(ErrorCode::mismatch,
                  "result for " + result.job_id + " attempt " + std::to_string(result.attempt) +
                      " is stale: the job is " + std::string(job_phase_name(j->phase)) +
                      " at attempt " + std::to_string(j->attempt));
  NodeEntry* n = nodes_.find(from);
  const Reply checked = protocol::check_result(result, from, job_message(*r, *j));
  release_worker(*r, *j);
  if (!checked.ok()) {
    if (n != nullptr) {
      n->reputation.observe_failure();
      ++n->jobs_failed;
      save_node(*n);
    }
    fail_attempt(*r, *j, checked.code, checked.reason, now_ms, out);
    dispatch(now_ms, out);
    return checked;
  }
  if (auto stored = results_.put(result.output_hash, result.pixels); !stored) {
    fatal(stored.error());
    return refuse(ErrorCode::internal, "the coordinator could not store the result");
  }
  if (n != nullptr) {
    ++n->jobs_done;
    const std::uint64_t work = protocol::job_work(protocol::job_spec_of(r->request, j->index));
    n->reputation.observe_success(
        expected_ms(work * j->batch, n->capabilities.pixel_steps_per_second),
        double(now_ms - j->assigned_ms));
    save_node(*n);
  }
  j->output_hash = result.output_hash;
  j->trajectory_root = result.trajectory_root;
  j->determinism_class = result.determinism_class;
  j->render_ms = result.render_ms;
  j->steps_done = r->request.steps;
  j->validator.reset();
  j->commitment = result;
  j->commitment->pixels.clear();
  j->audit_purpose = "sampled";  // audit_excluded is kept: a re-run is audited by someone else
  const double rate = n != nullptr ? audit_rate_of(*n) : options_.policy.audit.rate;
  if (sampler_.sampled(result.job_id, result.attempt, rate)) {
    const bool instant = result.leaf_count <= 1;
    j->audit_plan = plan_audits(sampler_.salt(), protocol::audit_id_of(result.job_id, result.attempt),
                                instant ? 0 : result.leaf_count - 1, options_.policy.audit);
    save_verification(*r, *j);
    accept_output(*r, *j, now_ms, out, &result.pixels);
  } else {
    j->audit = "not sampled";
    j->audit_plan.clear();
    save_verification(*r, *j);
    start_settlement(*r, *j, out);
  }
  dispatch(now_ms, out);
  return {};
}

void CoordinatorCore::accept_output(RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out,
                                    const std::vector<std::uint8_t>* pixels) {
  const std::string job_id = protocol::job_id_of(r.request.request_id, j.index);
  std::vector<PublicKey> exclude = j.audit_excluded;
  if (j.worker) exclude.push_back(*j.worker);
  // The worker's own class compares bytes, no tolerance: a referee insists on it; a sampled audit
  // prefers it while that validator is not much busier than another.
  const auto& policy = options_.policy.audit;
  const bool referee = j.audit_purpose == "referee";
  const std::string preferred =
      referee || policy.same_class_first ? j.determinism_class : std::string();
  std::optional<PublicKey> validator =
      pick_validator(nodes_, r.request.model_id, exclude, preferred,
                     referee ? SIZE_MAX : std::size_t{policy.same_class_slack});
  if (!validator && exclude.size() > 1 && j.audit_purpose != "referee")
    // Only validators that judged this job before are left: better one of them than none.
    validator = pick_validator(nodes_, r.request.model_id, {j.worker.value_or(PublicKey{})}, "");
  if (!validator) {
    if (j.phase == JobPhase::auditing && now_ms < j.deadline_ms) return;  // wait for one
    j.audit = "no validator";
    start_settlement(r, j, out);
    return;
  }
  // A resumed audit (a restart drops every link) waits for its worker to register again before
  // asking it for openings, until the deadline; after that the worker fails it for no opening.
  const NodeEntry* worker = j.worker ? nodes_.find(*j.worker) : nullptr;
  if (j.commitment && needs_openings(j.audit_plan) && (worker == nullptr || !worker->connected) &&
      j.phase == JobPhase::auditing && now_ms < j.deadline_ms)
    return;
  std::vector<std::uint8_t> loaded;
  if (pixels == nullptr) {
    auto read = results_.get(j.output_hash);
    if (!read) {
      fatal(read.error());
      return;
    }
    loaded = std::move(*read);
    pixels = &loaded;
  }
  if (j.phase != JobPhase::auditing) set_phase(r, j, JobPhase::auditing, now_ms);
  j.deadline_ms = now_ms + options_.policy.audit.timeout_ms;  // the validator's time runs from now
  j.validator = validator;
  j.assignment = next_assignment();
  protocol::AuditTask task;
  task.assignment = j.assignment;
  task.job = job_message(r, j);
  task.audit_id = protocol::audit_id_of(job_id, j.attempt);
  task.worker = *j.worker;
  task.claimed_output_hash = j.output_hash;
  task.claimed_determinism_class = j.determinism_class;
  task.claimed_pixels = *pixels;
  task.has_commitment = j.commitment.has_value();
  if (j.commitment) {
    task.commitment = *j.commitment;
  } else {
    // Resumed after a restart: only the journaled root is known (enough for a full audit).
    task.commitment.trajectory_root = j.trajectory_root;
    task.commitment.leaf_count = r.request.steps + 1;
  }
  task.audits = j.commitment && !j.audit_plan.empty() ? j.audit_plan : full_audit_only();
  task.purpose = j.audit_purpose;
  nodes_.find(*validator)->inflight[task.audit_id] = protocol::job_work(task.job.spec);
  out.audits.push_back({*validator, std::move(task)});
  save(r, j);
}

void CoordinatorCore::start_settlement(RequestState& r, JobState& j, Outbox& out) {
  set_phase(r, j, JobPhase::settling, 0);
  place_order(job_order(LedgerOrderKind::settle, r, j), out);
  save(r, j);
}

LedgerOrder CoordinatorCore::hold_order(const RequestState& r) const {
  const auto& q = r.request;
  LedgerOrder o;
  o.kind = LedgerOrderKind::hold;
  o.key = "hold/" + q.request_id;
  o.payer = user_account(q.payer);
  o.request_id = q.request_id;
  o.price = {r.base_render_millis, q.steps, q.width, q.height, q.tier, q.count};
  return o;
}

LedgerOrder CoordinatorCore::release_order(const RequestState& r) const {
  LedgerOrder o;
  o.kind = LedgerOrderKind::release;
  o.key = "release/" + r.request.request_id;
  o.hold_id = r.hold_id;
  return o;
}

// Keys name the job and its attempt: a re-sent order is the same order, a re-run is a new one (and
// the ledger finalises each job of a hold once whatever the key).
LedgerOrder CoordinatorCore::job_order(LedgerOrderKind kind, const RequestState& r,
                                       const JobState& j) const {
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

Reply CoordinatorCore::on_verdict(const PublicKey& from, const protocol::Verdict& v,
                                  std::int64_t now_ms, Outbox& out) {
  NodeEntry* validator = nodes_.find(from);
  if (validator == nullptr || validator->role != protocol::Role::validator)
    return refuse(ErrorCode::role_refused, "verdicts are accepted from registered validators only");
  if (v.validator != from || !protocol::verdict_signature_valid(v))
    return refuse(ErrorCode::bad_signature,
                  "verdict " + v.audit_id + " is not signed by validator " + from.hex());
  if (v.purpose == "appeal") return on_appeal_verdict(*validator, v, now_ms, out);
  auto [r, j] = find_job(v.job_id);
  if (j == nullptr || j->phase != JobPhase::auditing || j->attempt != v.attempt ||
      j->validator != from)
    return refuse(ErrorCode::mismatch, "verdict " + v.audit_id + " answers no audit in progress");
  if (v.claimed_output_hash != j->output_hash || !j->worker || v.worker != *j->worker ||
      v.spec_hash != protocol::spec_hash(protocol::job_spec_of(r->request, j->index)))
    return refuse(ErrorCode::mismatch,
                  "verdict " + v.audit_id + " is about a different result than the one audited");
  if (auto stale = check_assignment(v, j->assignment); !stale.ok()) return stale;
  validator->inflight.erase(v.audit_id);
  ++validator->jobs_done;
  save_node(*validator);
  NodeEntry* worker = nodes_.find(*j->worker);
  if (v.outcome == protocol::AuditOutcome::grey && j->audit_purpose != "referee") {
    escalate(*r, *j, from, now_ms, out);
  } else if (v.outcome != protocol::AuditOutcome::fail) {
    // A referee that is still grey (no validator of the worker's class): nothing proves a cheat,
    // and nothing is slashed without proof.
    j->audit = v.outcome == protocol::AuditOutcome::pass ? "passed" : "grey, not proven";
    if (worker != nullptr) {
      ++worker->audits_passed;
      worker->reputation.observe_audit(true);
      save_node(*worker);
    }
    start_settlement(*r, *j, out);
  } else {
    j->audit = "failed";
    j->audit_excluded.push_back(from);  // the re-run is audited by another validator if any
    save_verification(*r, *j);
    PendingPenalty p;
    p.audit_id = v.audit_id;
    p.worker = *j->worker;
    p.validator = from;
    p.job = job_message(*r, *j);
    p.output_hash = j->output_hash;
    p.worker_class = j->determinism_class;
    p.commitment = j->commitment;
    p.plan = j->audit_plan;
    if (options_.policy.audit.appeals) {
      p.deadline_ms = now_ms + options_.policy.audit.appeal_window_ms;
      p.notice = v;
      out.notices.push_back({p.worker, v});
      save_penalty(p, now_ms);
      if (auto w = journal_.put_notice(v); !w) fatal(w.error());
      penalties_[v.audit_id] = std::move(p);
    } else {
      slash_worker(p, out);
    }
    fail_attempt(*r, *j, ErrorCode::audit_failed,
                 "validator " + from.hex().substr(0, 12) + " audited the result and disagrees (" +
                     v.detail + ")",
                 now_ms, out);
    if (worker != nullptr) {
      ++worker->audits_failed;
      worker->reputation.observe_audit(false);
      save_node(*worker);
      if (!worker->blacklisted && worker->audits_failed >= options_.policy.audit.blacklist_after)
        blacklist(*worker, now_ms, out);
    }
  }
  dispatch(now_ms, out);
  return {};
}

void CoordinatorCore::escalate(RequestState& r, JobState& j, const PublicKey& grey_validator,
                               std::int64_t now_ms, Outbox& out) {
  j.audit_purpose = "referee";
  j.audit_plan = full_audit_only();
  j.audit_excluded.push_back(grey_validator);
  j.validator.reset();
  j.deadline_ms = now_ms + options_.policy.audit.timeout_ms;
  accept_output(r, j, now_ms, out, nullptr);
  if (j.phase == JobPhase::auditing && !j.validator) {
    // Nobody else can referee: the grey validator re-renders in full itself.
    j.audit_excluded.pop_back();
    accept_output(r, j, now_ms, out, nullptr);
  }
  save_verification(r, j);
}

void CoordinatorCore::slash_worker(const PendingPenalty& p, Outbox& out) {
  LedgerOrder o;
  o.kind = LedgerOrderKind::slash;
  o.key = "slash/" + p.audit_id;
  o.verdict_id = p.audit_id;
  o.worker = worker_account(p.worker);
  o.validator = validator_account(p.referee.value_or(p.validator));
  // One transaction: the pending penalty becomes a slash to apply, never both, never neither.
  if (auto w = journal_.delete_penalty(p.audit_id); !w) fatal(w.error());
  if (auto w = journal_.put_slash(o); !w) fatal(w.error());
  place_order(std::move(o), out);
}

// The first validator accused an honest worker: its reputation is cut and its stake slashed (the
// treasury's slash operation on the validator's account), with the bounty to the referee.
void CoordinatorCore::slash_validator(const PublicKey& validator, const PublicKey& referee,
                                      const std::string& audit_id, Outbox& out) {
  if (NodeEntry* n = nodes_.find(validator)) {
    ++n->audits_failed;
    n->reputation.observe_audit(false);
    save_node(*n);
  }
  LedgerOrder o;
  o.kind = LedgerOrderKind::slash;
  o.key = "slash/appeal/" + audit_id;
  o.verdict_id = "appeal/" + audit_id;
  o.worker = validator_account(validator);
  o.validator = validator_account(referee);
  if (auto w = journal_.put_slash(o); !w) fatal(w.error());
  place_order(std::move(o), out);
}

Reply CoordinatorCore::on_appeal(const PublicKey& from, const protocol::Appeal& a,
                                 std::int64_t now_ms, Outbox& out) {
  if (a.worker != from || !protocol::appeal_signature_valid(a))
    return refuse(ErrorCode::bad_signature, "appeal of " + a.audit_id + " is not signed by " +
                                                from.hex().substr(0, 16));
  auto it = penalties_.find(a.audit_id);
  if (it == penalties_.end() || it->second.worker != from)
    return refuse(ErrorCode::mismatch,
                  "no failed verdict " + a.audit_id + " of this worker is open to appeal");
  PendingPenalty& p = it->second;
  if (p.appealed) return refuse(ErrorCode::mismatch, "verdict " + a.audit_id + " was appealed already");
  if (now_ms > p.deadline_ms)
    return refuse(ErrorCode::mismatch, "the appeal window of " + a.audit_id + " has closed");
  if (!pick_validator(nodes_, p.job.spec.model_id, {p.validator, p.worker}, p.worker_class)) {
    // Nobody can hear it: the verdict stands.
    slash_worker(p, out);
    penalties_.erase(it);
    return refuse(ErrorCode::mismatch,
                  "no second validator can hear the appeal of " + a.audit_id + "; the verdict stands");
  }
  p.appealed = true;
  if (!send_appeal(p, now_ms, out))
    return refuse(ErrorCode::internal, "the coordinator lost the audited image");
  return {};
}

bool CoordinatorCore::send_appeal(PendingPenalty& p, std::int64_t now_ms, Outbox& out) {
  const auto referee =
      pick_validator(nodes_, p.job.spec.model_id, {p.validator, p.worker}, p.worker_class);
  if (!referee) return false;  // tick lets the verdict stand when its deadline passes
  const NodeEntry* worker = nodes_.find(p.worker);
  if (p.commitment && needs_openings(p.plan) && (worker == nullptr || !worker->connected) &&
      now_ms < p.deadline_ms)
    return false;  // resumed after a restart: the worker must be back to open its trajectory
  auto pixels = results_.get(p.output_hash);
  if (!pixels) {
    fatal(pixels.error());
    return false;
  }
  p.referee = referee;
  p.deadline_ms = now_ms + options_.policy.audit.timeout_ms;
  p.assignment = next_assignment();
  save_penalty(p, now_ms);
  protocol::AuditTask task;
  task.assignment = p.assignment;
  task.audit_id = p.audit_id;
  task.job = p.job;
  task.worker = p.worker;
  task.claimed_output_hash = p.output_hash;
  task.claimed_determinism_class = p.worker_class;
  task.claimed_pixels = std::move(*pixels);
  task.has_commitment = p.commitment.has_value();
  if (p.commitment) task.commitment = *p.commitment;
  // The audits that failed are run again, and the whole job is re-rendered.
  task.audits = p.commitment ? p.plan : std::vector<protocol::AuditItem>{};
  bool full = false;
  for (const auto& item : task.audits) full = full || item.kind == 3;
  if (!full) task.audits.push_back(full_audit_only().front());
  task.purpose = "appeal";
  nodes_.find(*referee)->inflight[task.audit_id] = protocol::job_work(task.job.spec);
  out.audits.push_back({*referee, std::move(task)});
  return true;
}

Reply CoordinatorCore::on_appeal_verdict(NodeEntry& validator, const protocol::Verdict& v,
                                         std::int64_t now_ms, Outbox& out) {
  auto it = penalties_.find(v.audit_id);
  if (it == penalties_.end() || !it->second.appealed || it->second.referee != validator.key)
    return refuse(ErrorCode::mismatch, "verdict " + v.audit_id + " answers no appeal in progress");
  if (auto stale = check_assignment(v, it->second.assignment); !stale.ok()) return stale;
  PendingPenalty p = std::move(it->second);
  penalties_.erase(it);
  validator.inflight.erase(v.audit_id);
  ++validator.jobs_done;
  save_node(validator);
  NodeEntry* worker = nodes_.find(p.worker);
  if (v.outcome != protocol::AuditOutcome::pass) {
    // Only a pass shows the worker right. A grey referee (of another class than the worker, when
    // the accuser was the only validator of its class) cannot outweigh the accuser's fail, which
    // is beyond what any honest render measured.
    slash_worker(p, out);
  } else {
    // The worker was right: its audit record is restored, the accuser pays.
    if (worker != nullptr) {
      if (worker->audits_failed > 0) --worker->audits_failed;
      ++worker->audits_passed;
      worker->reputation.observe_audit(true);
      if (worker->blacklisted && worker->audits_failed < options_.policy.audit.blacklist_after)
        worker->blacklisted = false;
      save_node(*worker);
    }
    if (auto w = journal_.delete_penalty(p.audit_id); !w) fatal(w.error());
    slash_validator(p.validator, validator.key, v.audit_id, out);
  }
  dispatch(now_ms, out);
  return {};
}

std::uint64_t CoordinatorCore::next_assignment() {
  // The run in the high half: a restarted coordinator hands out tokens no earlier run did.
  return (run_ << 32) | (++hand_outs_ & 0xffff'ffffULL);
}

Reply CoordinatorCore::check_assignment(const protocol::Verdict& v,
                                        std::uint64_t in_progress) const {
  if (v.assignment == in_progress) return {};
  return refuse(ErrorCode::mismatch,
                "verdict " + v.audit_id + " answers an earlier hand-out of the audit (assignment " +
                    std::to_string(v.assignment) + ", in progress " + std::to_string(in_progress) +
                    "): it was computed before a lost link or a restart, and is not applied");
}

Result<PublicKey> CoordinatorCore::opening_target(const PublicKey& validator,
                                                  const protocol::OpeningRequest& req) const {
  const std::string audit_id = protocol::audit_id_of(req.job_id, req.attempt);
  if (req.audit_id != audit_id)
    return fail("opening request names audit ", req.audit_id, " but job ", req.job_id,
                " attempt ", req.attempt);
  if (auto it = penalties_.find(audit_id); it != penalties_.end() && it->second.appealed &&
                                           it->second.referee == validator)
    return it->second.worker;
  auto r = requests_.find(req.job_id.substr(0, req.job_id.rfind('/')));
  if (r != requests_.end())
    for (const auto& j : r->second.jobs)
      if (protocol::job_id_of(r->first, j.index) == req.job_id && j.phase == JobPhase::auditing &&
          j.attempt == req.attempt && j.validator == validator && j.worker)
        return *j.worker;
  return fail("validator ", validator.hex().substr(0, 16), " runs no audit ", audit_id);
}

double CoordinatorCore::audit_rate_of(const NodeEntry& n) const {
  return audit_rate(options_.policy.audit, n.jobs_done, n.reputation.score());
}

void CoordinatorCore::blacklist(NodeEntry& n, std::int64_t now_ms, Outbox& out) {
  n.blacklisted = true;
  save_node(n);
  const auto inflight = n.inflight;
  for (const auto& [job_id, work] : inflight) {
    auto [r, j] = find_job(job_id);
    if (j == nullptr || !is_on_worker(j->phase) || j->worker != n.key) continue;
    out.cancels.push_back({n.key, job_id, j->attempt});
    release_worker(*r, *j);
    fail_attempt(*r, *j, ErrorCode::audit_failed,
                 "worker " + n.key.hex().substr(0, 12) + " was blacklisted after " +
                     std::to_string(n.audits_failed) + " failed audits",
                 now_ms, out);
  }
}

void CoordinatorCore::fail_attempt(RequestState& r, JobState& j, ErrorCode code, std::string reason,
                                   std::int64_t now_ms, Outbox& out) {
  ++j.failures;
  if (j.worker && std::find(j.excluded.begin(), j.excluded.end(), *j.worker) == j.excluded.end())
    j.excluded.push_back(*j.worker);
  j.last_code = code;
  j.last_reason = std::move(reason);
  if (r.cancel_requested) {
    set_phase(r, j, JobPhase::cancelled, now_ms);
    auto e = event(EventKind::cancelled, r, &j);
    e.code = ErrorCode::cancelled;
    e.reason = "cancelled by the client";
    out.events.push_back(std::move(e));
    save(r, j);
    maybe_finish(r, out);
  } else if (j.failures >= options_.policy.retries.max_attempts) {
    set_phase(r, j, JobPhase::refunding, now_ms);
    place_order(job_order(LedgerOrderKind::refund, r, j), out);
    save(r, j);
  } else {
    set_phase(r, j, JobPhase::queued, now_ms);
    auto e = event(EventKind::retry, r, &j);
    e.code = code;
    e.reason = j.last_reason;
    out.events.push_back(std::move(e));
    save(r, j);
  }
}

void CoordinatorCore::maybe_finish(RequestState& r, Outbox& out) {
  if (r.phase != RequestPhase::active || !r.all_final()) return;
  r.phase = RequestPhase::releasing;
  save(r);
  place_order(release_order(r), out);
}

void CoordinatorCore::deliver(RequestState& r, JobState& j, Outbox& out) {
  auto pixels = results_.get(j.output_hash);
  if (!pixels) {
    auto e = event(EventKind::failed, r, &j);
    e.code = ErrorCode::internal;
    e.reason = "the coordinator lost the stored image: " + pixels.error().message;
    out.events.push_back(std::move(e));
    return;
  }
  auto e = event(EventKind::result, r, &j);
  e.width = r.request.width;
  e.height = r.request.height;
  e.pixels = std::move(*pixels);
  e.output_hash = j.output_hash;
  e.determinism_class = j.determinism_class;
  e.render_ms = j.render_ms;
  e.audit = j.audit;
  e.receipt = j.receipt;
  e.has_commitment = j.commitment.has_value();
  if (j.commitment) e.commitment = *j.commitment;
  out.events.push_back(std::move(e));
  j.result_sent = true;
}

void CoordinatorCore::complete(RequestState& r, Outbox& out) {
  auto e = event(EventKind::completed, r, nullptr);
  for (const auto& j : r.jobs) {
    if (j.phase == JobPhase::delivered) ++e.delivered;
    if (j.phase == JobPhase::failed) ++e.failed;
    if (j.phase == JobPhase::cancelled) ++e.cancelled;
    e.total_charged += j.receipt.charged;
  }
  e.refunded = r.refunded;
  out.events.push_back(std::move(e));
}

// --- treasury ---

void CoordinatorCore::on_receipt(const LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                                 std::int64_t now_ms, Outbox& out) {
  if (orders_.erase(order.key) == 0) return;  // an answer to an order already answered
  switch (order.kind) {
    case LedgerOrderKind::hold: {
      RequestState* r = find_request(order.request_id);
      if (r == nullptr) return;
      if (r->phase == RequestPhase::abandoned) {
        if (receipt.ok) {
          r->hold_id = receipt.hold_id;
          r->phase = RequestPhase::releasing;
          save(*r);
          place_order(release_order(*r), out);
        } else {
          if (auto d = journal_.delete_request(order.request_id); !d) fatal(d.error());
          requests_.erase(order.request_id);
        }
        return;
      }
      if (r->phase != RequestPhase::holding) return;
      if (!receipt.ok) {
        protocol::SubmitAck ack;
        ack.request_id = order.request_id;
        ack.outcome = receipt.insufficient_funds
                          ? refuse(ErrorCode::insufficient_funds, receipt.error)
                          : refuse(ErrorCode::ledger_rejected, receipt.error);
        out.acks.push_back(std::move(ack));
        if (auto d = journal_.delete_request(order.request_id); !d) fatal(d.error());
        queued_.erase(order.request_id);
        requests_.erase(order.request_id);
        return;
      }
      r->hold_id = receipt.hold_id;
      r->per_job = receipt.per_job;
      r->quoted = receipt.held;
      r->phase = RequestPhase::active;
      r->jobs.resize(r->request.count);
      // Jobs ahead of this request in the queue: fast before relaxed, then by acceptance.
      std::uint32_t ahead = 0;
      for (const auto& [id, indices] : queued_) {
        const RequestState* other = find_request(id);
        if (other == nullptr || other == r) continue;
        const bool before =
            other->request.tier < r->request.tier ||
            (other->request.tier == r->request.tier && other->sequence < r->sequence);
        if (before) ahead += static_cast<std::uint32_t>(indices.size());
      }
      for (std::uint32_t i = 0; i < r->request.count; ++i) {
        JobState& j = r->jobs[i];
        j.index = i;
        if (r->cancel_requested) {
          set_phase(*r, j, JobPhase::cancelled, now_ms);
          j.last_code = ErrorCode::cancelled;
        } else {
          set_phase(*r, j, JobPhase::queued, now_ms);
        }
      }
      save(*r);
      if (auto w = journal_.put_jobs(*r); !w) fatal(w.error());
      auto e = event(EventKind::queued, *r, nullptr);
      e.position = ahead;
      out.events.push_back(std::move(e));
      out.acks.push_back(ack_of(*r, false));
      maybe_finish(*r, out);
      dispatch(now_ms, out);
      return;
    }
    case LedgerOrderKind::settle: {
      auto [r, j] = find_job(order.job_id);
      if (j == nullptr || j->phase != JobPhase::settling) return;
      record_payment(j->receipt, receipt, order.key, "not settled");
      set_phase(*r, *j, JobPhase::delivered, now_ms);
      ++jobs_delivered_;
      save(*r, *j);
      deliver(*r, *j, out);
      maybe_finish(*r, out);
      return;
    }
    case LedgerOrderKind::pay_cancelled: {
      auto [r, j] = find_job(order.job_id);
      if (j == nullptr || j->phase != JobPhase::paying_cancelled) return;
      record_payment(j->receipt, receipt, order.key, "not paid");
      set_phase(*r, *j, JobPhase::cancelled, now_ms);
      j->last_code = ErrorCode::cancelled;
      save(*r, *j);
      auto e = event(EventKind::cancelled, *r, j);
      e.code = ErrorCode::cancelled;
      e.reason = "cancelled by the client after " + std::to_string(j->steps_done) + " of " +
                 std::to_string(r->request.steps) + " steps (paid)";
      e.step = j->steps_done;
      e.steps = r->request.steps;
      e.receipt = j->receipt;
      out.events.push_back(std::move(e));
      maybe_finish(*r, out);
      return;
    }
    case LedgerOrderKind::refund: {
      auto [r, j] = find_job(order.job_id);
      if (j == nullptr || j->phase != JobPhase::refunding) return;
      r->refunded += receipt.payer_refunded;
      set_phase(*r, *j, JobPhase::failed, now_ms);
      ++jobs_failed_;
      save(*r);
      save(*r, *j);
      auto e = event(EventKind::failed, *r, j);
      e.code = j->last_code == ErrorCode::no_capable_worker ? ErrorCode::no_capable_worker
                                                            : ErrorCode::attempts_exhausted;
      e.reason = "failed after " + std::to_string(j->failures) +
                 " attempt(s), refunded; last: " + j->last_reason;
      out.events.push_back(std::move(e));
      maybe_finish(*r, out);
      return;
    }
    case LedgerOrderKind::release: {
      auto it = requests_.find(order.key.substr(std::string_view("release/").size()));
      if (it == requests_.end() || it->second.phase != RequestPhase::releasing) return;
      RequestState& r = it->second;
      if (r.jobs.empty()) {  // an abandoned request's hold, given back
        if (auto d = journal_.delete_request(r.request.request_id); !d) fatal(d.error());
        requests_.erase(it);
        return;
      }
      r.refunded += receipt.payer_refunded;
      r.phase = RequestPhase::done;
      save(r);
      complete(r, out);
      if (r.request.privacy == protocol::Privacy::private_images) {
        for (const auto& j : r.jobs) {
          if (j.phase != JobPhase::delivered) continue;
          auto elsewhere =
              journal_.output_referenced_elsewhere(j.output_hash, r.request.request_id);
          if (elsewhere && !*elsewhere) (void)results_.remove(j.output_hash);
        }
      }
      return;
    }
    case LedgerOrderKind::slash:
      if (auto w = journal_.slash_done(order.key); !w) fatal(w.error());
      // The slash may have taken the worker below the fast tier's minimum: ask now, not at the
      // next refresh.
      if (receipt.ok)
        for (auto& [k, n] : nodes_.nodes())
          if (n.role == protocol::Role::worker && n.connected && n.capabilities.serves_fast &&
              worker_account(k) == order.worker) {
            n.stake_checked_ms = now_ms;
            out.stake_checks.push_back(k);
          }
      return;
  }
}

void CoordinatorCore::on_stake(const PublicKey& worker, const protocol::StakeReply& stake,
                               std::int64_t now_ms, Outbox& out) {
  NodeEntry* n = nodes_.find(worker);
  if (n == nullptr || n->role != protocol::Role::worker) return;
  if (!stake.ok) {
    stake_unknown(worker, now_ms);
    return;
  }
  const bool was = n->fast_allowed;
  n->fast_allowed = stake.serves_fast;
  // Jobs already on it finish (they were given while its stake stood); new fast jobs go elsewhere,
  // and queued ones wait for a staked worker (or fail after deadlines.queue_ms, refunded).
  if (!was && n->fast_allowed) dispatch(now_ms, out);
}

void CoordinatorCore::stake_unknown(const PublicKey& worker, std::int64_t now_ms) {
  constexpr std::int64_t kRetryMs = 2'000;
  NodeEntry* n = nodes_.find(worker);
  if (n == nullptr) return;
  const std::int64_t refresh = options_.policy.stake_refresh_ms;
  n->stake_checked_ms = now_ms - refresh + std::min(kRetryMs, refresh);
}

void CoordinatorCore::on_order_lost(const LedgerOrder& order, std::int64_t now_ms) {
  auto it = orders_.find(order.key);
  if (it == orders_.end()) return;
  it->second.in_flight = false;
  it->second.retry_at_ms = now_ms + options_.order_retry_ms;
}

void CoordinatorCore::treasury_up(std::int64_t now_ms, Outbox& out) {
  for (auto& [key, pending] : orders_) {
    if (pending.in_flight) continue;
    pending.in_flight = true;
    out.orders.push_back(pending.order);
  }
  for (auto& [k, n] : nodes_.nodes()) {
    if (n.role != protocol::Role::worker || !n.connected || !n.capabilities.serves_fast ||
        n.fast_allowed)
      continue;
    n.stake_checked_ms = now_ms;
    out.stake_checks.push_back(k);
  }
}

// --- time ---

void CoordinatorCore::tick(std::int64_t now_ms, Outbox& out) {
  // Appeal windows that closed without an appeal, and appeals nobody answered: the verdict stands.
  for (auto it = penalties_.begin(); it != penalties_.end();) {
    if (now_ms <= it->second.deadline_ms) {
      ++it;
      continue;
    }
    if (it->second.referee)
      if (NodeEntry* v = nodes_.find(*it->second.referee)) v->inflight.erase(it->first);
    slash_worker(it->second, out);
    it = penalties_.erase(it);
  }
  for (auto& [key, pending] : orders_) {
    if (pending.in_flight || pending.retry_at_ms > now_ms) continue;
    pending.in_flight = true;
    out.orders.push_back(pending.order);
  }
  // Stakes change after registration (an unstake, a slash): ask again for every worker that
  // advertises the fast tier. An answer that never comes is asked for at the next refresh.
  for (auto& [k, n] : nodes_.nodes()) {
    if (n.role != protocol::Role::worker || !n.connected || !n.capabilities.serves_fast) continue;
    if (now_ms - n.stake_checked_ms < std::int64_t{options_.policy.stake_refresh_ms}) continue;
    n.stake_checked_ms = now_ms;
    out.stake_checks.push_back(k);
  }
  for (auto& [id, r] : requests_) {
    if (r.phase == RequestPhase::holding && now_ms - r.accepted_ms > options_.hold_timeout_ms) {
      r.phase = RequestPhase::abandoned;
      save(r);
      protocol::SubmitAck ack;
      ack.request_id = id;
      ack.outcome = refuse(ErrorCode::treasury_unavailable,
                           "the treasury did not place the escrow hold within " +
                               ms_text(options_.hold_timeout_ms) + "; nothing was charged");
      out.acks.push_back(std::move(ack));
      continue;
    }
    if (r.phase != RequestPhase::active) continue;
    for (auto& j : r.jobs) {
      const std::string job_id = protocol::job_id_of(id, j.index);
      switch (j.phase) {
        case JobPhase::assigned:
        case JobPhase::running:
          if (now_ms >= j.deadline_ms) {
            release_worker(r, j);
            if (NodeEntry* n = nodes_.find(*j.worker)) {
              n->reputation.observe_failure();
              ++n->jobs_failed;
              save_node(*n);
            }
            out.cancels.push_back({*j.worker, job_id, j.attempt});
            fail_attempt(r, j, ErrorCode::job_timeout,
                         "no result within " + ms_text(j.deadline_ms - j.assigned_ms), now_ms, out);
          }
          break;
        case JobPhase::cancelling:
          // No report in time (or the worker is gone): settle it as its report would have, with
          // the steps it last reported progress for.
          if (now_ms >= j.deadline_ms)
            on_failure(*j.worker, {job_id, j.attempt, ErrorCode::cancelled, "", j.steps_done},
                       now_ms, out);
          break;
        case JobPhase::auditing:
          if (!j.validator) {
            accept_output(r, j, now_ms, out, nullptr);
          } else if (now_ms >= j.deadline_ms) {
            if (NodeEntry* v = nodes_.find(*j.validator))
              v->inflight.erase(protocol::audit_id_of(job_id, j.attempt));
            j.audit = "timed out";
            start_settlement(r, j, out);
          }
          break;
        case JobPhase::queued:
          if (now_ms - j.queued_since_ms >= options_.policy.deadlines.queue_ms &&
              !any_capable_worker(nodes_, protocol::job_spec_of(r.request, j.index),
                                  r.request.tier)) {
            j.failures = std::max(j.failures, options_.policy.retries.max_attempts - 1);
            fail_attempt(r, j, ErrorCode::no_capable_worker,
                         "no worker serving its model and tier connected within " +
                             ms_text(options_.policy.deadlines.queue_ms),
                         now_ms, out);
          }
          break;
        default:
          break;
      }
    }
  }
  if (now_ms >= next_uptime_sample_ms_) {
    next_uptime_sample_ms_ = now_ms + options_.uptime_sample_ms;
    for (auto& [k, n] : nodes_.nodes()) {
      n.reputation.observe_uptime(n.connected);
      save_node(n);
    }
    // What is left of each appeal window, so a restart resumes it within one sample of the truth.
    for (const auto& [id, p] : penalties_) save_penalty(p, now_ms);
  }
  dispatch(now_ms, out);
}

void CoordinatorCore::dispatch(std::int64_t now_ms, Outbox& out) {
  if (queued_.empty()) return;
  std::size_t capacity = 0;
  for (const auto& [k, n] : nodes_.nodes())
    if (n.role == protocol::Role::worker && n.connected && !n.blacklisted &&
        n.inflight.size() < n.capabilities.max_inflight)
      capacity += n.capabilities.max_inflight - n.inflight.size();
  if (capacity == 0) return;

  std::vector<RequestState*> order;
  for (const auto& [id, indices] : queued_) {
    RequestState* r = find_request(id);
    if (r != nullptr && r->phase == RequestPhase::active && !r->cancel_requested)
      order.push_back(r);
  }
  std::sort(order.begin(), order.end(), [](const RequestState* a, const RequestState* b) {
    if (a->request.tier != b->request.tier) return a->request.tier < b->request.tier;
    return a->sequence < b->sequence;
  });
  for (RequestState* r : order) {
    const std::string& id = r->request.request_id;
    const std::vector<std::uint32_t> indices(queued_[id].begin(), queued_[id].end());
    for (std::uint32_t index : indices) {
      if (capacity == 0) return;
      JobState& j = r->jobs[index];
      const protocol::JobSpec spec = protocol::job_spec_of(r->request, index);
      RouteQuery q{&spec, r->request.tier, &r->workers, &j.excluded};
      const std::optional<PublicKey> w = pick_worker(nodes_, q, options_.policy.routing);
      if (!w) {
        if (j.excluded.empty()) break;  // the rest of this request cannot be placed either
        continue;
      }
      NodeEntry& n = *nodes_.find(*w);
      const std::uint64_t work = protocol::job_work(spec);
      const std::uint64_t ahead = n.inflight_work();
      ++j.attempt;
      j.worker = *w;
      j.assigned_ms = now_ms;
      j.batch = 1;
      j.steps_done = 0;
      j.deadline_ms = now_ms + job_deadline_ms(options_.policy.deadlines, work, ahead, 1,
                                               n.capabilities.pixel_steps_per_second);
      set_phase(*r, j, JobPhase::assigned, now_ms);
      r->workers.insert(*w);
      n.inflight[protocol::job_id_of(id, index)] = work;
      --capacity;
      out.jobs.push_back({*w, job_message(*r, j)});
      out.events.push_back(event(EventKind::assigned, *r, &j));
      save(*r, j);
    }
  }
}

}  // namespace seedgrid::coordinator
