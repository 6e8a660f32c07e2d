// The node book: workers and validators registering (and replacing an old session), the fast
// tier as the treasury's word on a worker's stake, blacklisting after failed audits, nodes going
// down, and uptime samples for reputation.
#include <algorithm>
#include <optional>
#include <string>

#include "actors/coordinator/core_state.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::Reply;

namespace {

// A stake nobody answered for is asked again this soon (or at the refresh, if sooner).
constexpr std::int64_t kStakeRetryMs = 2'000;

bool listed_validator(const CoreState& s, const PublicKey& key) {
  const auto& list = s.options.policy.validator_allowlist;
  return std::find(list.begin(), list.end(), key.hex()) != list.end();
}

// Why an unlisted validator is not admitted on the treasury's word, or nothing when its bond is
// enough. The reason names both ways in: the ledger command that bonds it, the config key that
// lists it.
std::optional<std::string> unbonded_validator(const CoreState& s,
                                              const protocol::Registration& registration,
                                              const StakeWord& stake) {
  const std::int64_t minimum = s.options.policy.validator_min_stake;
  std::string found;
  switch (stake.source) {
    case StakeWord::Source::answered:
      if (stake.reply.ok && stake.reply.bonded >= minimum) return std::nullopt;
      found = stake.reply.ok
                  ? "its bond (stake:" + validator_account(registration.node) + ") is " +
                        treasury::format_micros(stake.reply.bonded) + " tokens, below the " +
                        treasury::format_micros(minimum) + " this coordinator requires"
                  : "the treasury could not read its bond (" + stake.reply.error + ")";
      break;
    case StakeWord::Source::unreachable:
      found = "no treasury is connected to check its bond";
      break;
    case StakeWord::Source::silent:
      found = "the treasury did not answer for its bond";
      break;
  }
  const std::string id = registration.node.hex();
  return "validator '" + registration.name + "' (" + id +
         ") is not admitted: it is not on this coordinator's validator_allowlist and " + found +
         ". Either bond it: seedgrid ledger stake --db LEDGER --key TREASURY_KEY --validator "
         "validator:" +
         id + " --amount " + treasury::format_micros(minimum) +
         " (tokens it holds), or list it: add \"" + id +
         "\" to \"validator_allowlist\" in the coordinator's config ($.coordinator) and restart "
         "the coordinator";
}

}  // namespace

protocol::Challenge CoordinatorCore::hello(std::int64_t now_ms) {
  return state_->registrar.issue(now_ms);
}

Reply CoordinatorCore::verify_registration(const protocol::Registration& registration,
                                           std::int64_t now_ms) {
  CoreState& s = *state_;
  return s.registrar.verify(registration, now_ms);
}

protocol::RegistrationAck CoordinatorCore::admit(const protocol::Registration& registration,
                                                 bool fast_allowed, std::string note,
                                                 std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  if (const NodeEntry* existing = s.nodes.find(registration.node); existing && existing->connected)
    node_down(registration.node, now_ms, out);  // a new session replaces the old one
  NodeEntry& n = s.nodes.connect(registration.node, registration.role, registration.capabilities,
                                 fast_allowed, now_ms);
  n.name = registration.name;
  n.stake_checked_ms = now_ms;  // the caller just asked the treasury (or it was unreachable)
  s.save_node(n);
  protocol::RegistrationAck ack;
  ack.coordinator = s.key();
  ack.fast_tier = fast_allowed && registration.capabilities.serves_fast;
  ack.note = std::move(note);
  if (n.blacklisted) ack.note = "blacklisted after failed audits: no jobs will be routed here";
  // Audits waiting for a validator, or (resumed after a restart) for their worker to open its
  // trajectory, and appeals whose referee was lost go now.
  for (auto& [id, r] : s.requests)
    for (auto& j : r.jobs)
      if (j.phase == JobPhase::auditing && !j.audit.validator &&
          (n.role == protocol::Role::validator || j.worker == n.key))
        hand_out_audit(s, r, j, now_ms, out);
  resume_appeals(s, n, now_ms, out);
  dispatch(s, now_ms, out);
  return ack;
}

bool CoordinatorCore::needs_stake(const protocol::Registration& registration) const {
  return registration.role == protocol::Role::worker ||
         (registration.role == protocol::Role::validator &&
          !listed_validator(*state_, registration.node));
}

std::string CoordinatorCore::stake_account_of(const protocol::Registration& registration) {
  return registration.role == protocol::Role::validator ? validator_account(registration.node)
                                                        : worker_account(registration.node);
}

protocol::RegistrationAck CoordinatorCore::admit_with_stake(
    const protocol::Registration& registration, const StakeWord& stake, std::int64_t now_ms,
    Outbox& out) {
  if (registration.role == protocol::Role::validator) {
    if (listed_validator(*state_, registration.node))
      return admit(registration, false, "", now_ms, out);
    if (auto refused = unbonded_validator(*state_, registration, stake)) {
      protocol::RegistrationAck ack;
      ack.outcome = protocol::refuse(ErrorCode::role_refused, std::move(*refused));
      ack.coordinator = state_->key();
      return ack;
    }
    return admit(
        registration, false,
        "admitted on its bond of " + treasury::format_micros(stake.reply.bonded) + " tokens",
        now_ms, out);
  }
  bool fast = false;
  std::string note;
  switch (stake.source) {
    case StakeWord::Source::answered:
      fast = stake.reply.ok && stake.reply.serves_fast;
      if (!stake.reply.ok)
        note = "stake unknown (" + stake.reply.error + "): relaxed tier only";
      else if (!fast)
        note = "stake below the fast-tier minimum: relaxed tier only";
      break;
    case StakeWord::Source::unreachable:
      note = "treasury unreachable: relaxed tier only";
      break;
    case StakeWord::Source::silent:
      note = "treasury did not answer: relaxed tier only";
      break;
  }
  auto ack = admit(registration, fast, std::move(note), now_ms, out);
  if (stake.source != StakeWord::Source::answered || !stake.reply.ok)
    stake_unknown(registration.node, now_ms);
  return ack;
}

void CoordinatorCore::node_down(const PublicKey& node, std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  NodeEntry* n = s.nodes.find(node);
  if (n == nullptr || !n->connected) return;
  const protocol::Role role = n->role;
  const std::vector<std::string> lost = s.nodes.disconnect(node, now_ms);
  if (role == protocol::Role::validator)
    validator_lost(s, node, lost, now_ms, out);
  else
    worker_lost(s, *n, lost, now_ms, out);
  s.save_node(*n);
  dispatch(s, now_ms, out);
}

void CoordinatorCore::on_room(const PublicKey& worker, std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  NodeEntry* n = s.nodes.find(worker);
  if (n == nullptr || !n->full_elsewhere) return;
  s.nodes.set_full_elsewhere(*n, false);
  dispatch(s, now_ms, out);
}

void CoordinatorCore::ban(const PublicKey& worker, std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  NodeEntry* n = s.nodes.find(worker);
  if (n == nullptr) n = &s.nodes.restore(worker, protocol::Role::worker, ReputationState{});
  if (n->blacklisted) return;
  blacklist(s, *n, now_ms, out);
  dispatch(s, now_ms, out);
}

void blacklist(CoreState& s, NodeEntry& n, std::int64_t now_ms, Outbox& out) {
  n.blacklisted = true;
  s.nodes.refresh(n);
  s.save_node(n);
  const auto inflight = n.inflight;
  for (const auto& [job_id, work] : inflight) {
    auto [r, j] = s.find_job(job_id);
    if (j == nullptr || !is_on_worker(j->phase) || j->worker != n.key) continue;
    out.add(CancelJob{n.key, job_id, j->attempt});
    release_worker(s, *r, *j);
    fail_attempt(s, *r, *j, ErrorCode::audit_failed,
                 "worker " + n.key.hex().substr(0, 12) + " was blacklisted after " +
                     std::to_string(n.audits_failed) + " failed audits",
                 now_ms, out);
  }
}

void CoordinatorCore::on_stake(const PublicKey& worker, const protocol::StakeReply& stake,
                               std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  NodeEntry* n = s.nodes.find(worker);
  if (n == nullptr || n->role != protocol::Role::worker) return;
  if (!stake.ok) {
    stake_unknown(worker, now_ms);
    return;
  }
  const bool was = n->fast_allowed;
  n->fast_allowed = stake.serves_fast;
  // Jobs already on it finish (they were given while its stake stood); new fast jobs go elsewhere,
  // and queued ones wait for a staked worker (or fail after deadlines.queue_ms, refunded).
  if (!was && n->fast_allowed) dispatch(s, now_ms, out);
}

void CoordinatorCore::stake_unknown(const PublicKey& worker, std::int64_t now_ms) {
  CoreState& s = *state_;
  NodeEntry* n = s.nodes.find(worker);
  if (n == nullptr) return;
  const std::int64_t refresh = s.options.policy.stake_refresh_ms;
  n->stake_checked_ms = now_ms - refresh + std::min(kStakeRetryMs, refresh);
}

void refresh_stakes(CoreState& s, std::int64_t now_ms, Outbox& out) {
  // Stakes change after registration (an unstake, a slash): ask again for every worker that
  // advertises the fast tier. An answer that never comes is asked for at the next refresh.
  for (auto& [k, n] : s.nodes.nodes()) {
    if (n.role != protocol::Role::worker || !n.connected || !n.capabilities.serves_fast) continue;
    if (now_ms - n.stake_checked_ms < std::int64_t{s.options.policy.stake_refresh_ms}) continue;
    n.stake_checked_ms = now_ms;
    out.add(CheckStake{k});
  }
}

void ask_stakes_after_outage(CoreState& s, std::int64_t now_ms, Outbox& out) {
  for (auto& [k, n] : s.nodes.nodes()) {
    if (n.role != protocol::Role::worker || !n.connected || !n.capabilities.serves_fast ||
        n.fast_allowed)
      continue;
    n.stake_checked_ms = now_ms;
    out.add(CheckStake{k});
  }
}

void sample_uptime(CoreState& s, std::int64_t now_ms) {
  if (now_ms < s.next_uptime_sample_ms) return;
  s.next_uptime_sample_ms = now_ms + s.options.uptime_sample_ms;
  for (auto& [k, n] : s.nodes.nodes()) {
    s.nodes.observe_uptime(n);
    s.save_node(n);
  }
  // What is left of each appeal window, so a restart resumes it within one sample of the truth.
  for (const auto& [id, p] : s.penalties) s.save_penalty(p, now_ms);
}

}  // namespace seedgrid::coordinator
