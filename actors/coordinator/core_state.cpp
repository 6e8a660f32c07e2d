#include "actors/coordinator/core_state.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "actors/coordinator/audit_rate.hpp"
#include "runtime/base/protocol/ids.hpp"

namespace seedgrid::coordinator {

using protocol::EventKind;

CoreState::CoreState(const Identity& identity_in, CoreOptions options_in, Journal journal_in,
                     Digest salt)
    : identity(identity_in),
      options(std::move(options_in)),
      journal(std::move(journal_in)),
      results(journal, options.durability),
      registrar(identity_in, options.policy.challenge_ttl_ms),
      sampler(salt, options.policy.audit.rate),
      nodes(options.policy.reputation, options.policy.routing.reputation_weight) {
  if (!options.pool_peers.empty())
    nodes.share_pool(identity.public_key(), options.pool_peers,
                     options.policy.routing.foreign_worker_weight);
}

RequestState* CoreState::find_request(const std::string& request_id) {
  auto it = requests.find(request_id);
  return it == requests.end() ? nullptr : &it->second;
}

namespace {
void count_image(std::map<Digest, std::uint32_t>& named, const Digest& hash, bool add) {
  if (hash == Digest{}) return;
  if (add) {
    ++named[hash];
  } else if (auto it = named.find(hash); it != named.end() && --it->second == 0) {
    named.erase(it);
  }
}

void count_images(std::map<Digest, std::uint32_t>& named, const RequestState& r, bool add) {
  for (const JobState& j : r.jobs) count_image(named, j.output_hash, add);
}

// A done private request names its images no more: they went when it was done
// (release_private_images), unless another request names them.
bool names_its_images(const RequestState& r) {
  return r.phase != RequestPhase::done || r.request.privacy != protocol::Privacy::private_images;
}
}  // namespace

RequestState& CoreState::add_request(RequestState r) {
  const std::string id = r.request.request_id;
  auto [it, added] = requests.try_emplace(id, std::move(r));
  if (added && names_its_images(it->second)) count_images(images_named, it->second, /*add=*/true);
  return it->second;
}

// By value: callers pass the request's own id.
std::optional<RequestState> CoreState::forget_request(std::string request_id) {
  auto it = requests.find(request_id);
  if (it == requests.end()) return std::nullopt;
  drop_queue_place(queue_place(it->second));
  if (names_its_images(it->second)) count_images(images_named, it->second, /*add=*/false);
  std::optional<RequestState> gone(std::move(it->second));
  requests.erase(it);
  return gone;
}

void CoreState::name_image(JobState& j, const Digest& hash) {
  if (j.output_hash == hash) return;
  count_image(images_named, j.output_hash, /*add=*/false);
  count_image(images_named, hash, /*add=*/true);
  j.output_hash = hash;
}

std::uint32_t CoreState::job_kind(const RequestState& r) {
  auto kind = std::tuple{r.request.model_id, r.request.task_type,
                         r.task ? r.task->script_id : std::string(), r.request.tier};
  return job_kinds.try_emplace(std::move(kind), static_cast<std::uint32_t>(job_kinds.size()))
      .first->second;
}

std::pair<RequestState*, JobState*> CoreState::find_job(const std::string& job_id) {
  const auto id = protocol::JobId::parse(job_id);
  if (!id) return {nullptr, nullptr};
  RequestState* r = find_request(id->request_id);
  if (r == nullptr || id->index >= r->jobs.size()) return {nullptr, nullptr};
  return {r, &r->jobs[id->index]};
}

protocol::Job CoreState::job_message(const RequestState& r, const JobState& j) const {
  protocol::Job job;
  job.request_id = r.request.request_id;
  job.index = j.index;
  job.job_id = protocol::job_id_of(job.request_id, j.index);
  job.attempt = j.attempt;
  job.tier = r.request.tier;
  job.spec = spec_of(r, j.index);
  return job;
}

protocol::ClientEvent CoreState::event(EventKind kind, const RequestState& r,
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

QueuePlace queue_place(const RequestState& r) {
  return {r.request.tier, r.sequence, r.request.request_id};
}

namespace {

std::size_t tier_index(protocol::Tier tier) { return static_cast<std::size_t>(tier); }

}  // namespace

void CoreState::set_phase(RequestState& r, JobState& j, JobPhase phase, std::int64_t now_ms) {
  const std::size_t tier = tier_index(r.request.tier);
  if (j.phase == JobPhase::queued && phase != JobPhase::queued) {
    auto it = queued.find(queue_place(r));
    if (it != queued.end()) {
      queued_jobs[tier] -= it->second.jobs.erase(j.index);
      if (it->second.jobs.empty()) queued.erase(it);
    }
  }
  if (phase == JobPhase::queued) {
    auto [it, placed] = queued.try_emplace(queue_place(r));
    if (placed) {
      it->second.request = &r;
      it->second.kind = job_kind(r);
    }
    queued_jobs[tier] += it->second.jobs.insert(j.index).second ? 1 : 0;
    j.queued_since_ms = now_ms;
  }
  j.phase = phase;
}

void CoreState::drop_queue_place(const QueuePlace& place) {
  auto it = queued.find(place);
  if (it == queued.end()) return;
  queued_jobs[tier_index(place.tier)] -= it->second.jobs.size();
  queued.erase(it);
}

std::uint64_t CoreState::jobs_ahead_of(const QueuePlace& place) const {
  const std::size_t tier = tier_index(place.tier);
  std::uint64_t ahead = 0;
  for (std::size_t t = 0; t < tier; ++t) ahead += queued_jobs[t];
  // This tier's jobs less those at or behind `place`, walked back from the tier's end: a new
  // request is accepted last, so it is at (or near) that end.
  const auto tier_end =
      tier + 1 < queued_jobs.size()
          ? queued.lower_bound(QueuePlace{static_cast<protocol::Tier>(tier + 1), 0, {}})
          : queued.end();
  std::uint64_t behind = 0;
  for (auto it = std::make_reverse_iterator(tier_end);
       it != queued.rend() && it->first.tier == place.tier && !(it->first < place); ++it)
    behind += it->second.jobs.size();
  return ahead + queued_jobs[tier] - behind;
}

void CoreState::keep_done(const RequestState& r) {
  if (r.phase != RequestPhase::done) return;
  if (r.request.privacy == protocol::Privacy::private_images && !r.erased) return;
  done_in_memory.emplace(r.sequence, r.request.request_id);
  // The oldest go in groups of a sixteenth of those kept: letting one go asks the journal whether
  // another request names its images, and a read waits for the writer's queue. One at a time, the
  // coordinator's thread ran the writer's statements itself at every request that finished
  // (bench/RESULTS.md, session 40); in a group, the reads after the first find the queue short.
  const std::size_t keep = options.recent_done_requests;
  if (done_in_memory.size() <= keep + keep / 16) return;
  while (done_in_memory.size() > keep) {
    const auto oldest = done_in_memory.begin();
    if (const auto let_go = forget_request(oldest->second)) release_images(*let_go);
    done_in_memory.erase(oldest);
  }
}

void CoreState::release_images(const RequestState& let_go) {
  const std::string& id = let_go.request.request_id;
  for (const auto& j : let_go.jobs) {
    // `let_go` left images_named with `requests`, so a count here is another request's.
    if (j.output_hash == Digest{} || image_wanted(j.output_hash)) continue;
    // A private request's images went when it was done (settlement.cpp), their pages zeroed;
    // what is left here is public.
    if (auto r = results.remove(j.output_hash, /*zero_pages=*/false); !r)
      return record_fatal(r.error());
  }
  // Each request keeps its own copy of what it carried (a second request with the same image has
  // its own rows), so only penalties matter here. A private request's went with its prompt.
  const bool zero = let_go.request.privacy == protocol::Privacy::private_images;
  if (let_go.task && let_go.task->input_pixels > 0 && !penalty_on(id))
    if (auto r = journal.release_input_images(id, zero); !r) return record_fatal(r.error());
}

void CoreState::release_private_images(const RequestState& r) {
  count_images(images_named, r, /*add=*/false);
  for (const auto& j : r.jobs)
    if (j.phase == JobPhase::delivered && !images_named.contains(j.output_hash))
      (void)results.remove(j.output_hash);
}

bool CoreState::penalty_on(const std::string& request_id) const {
  for (const auto& [id, p] : penalties)
    if (p.job.request_id == request_id) return true;
  return false;
}

bool CoreState::image_wanted(const Digest& hash) const {
  for (const auto& [id, p] : penalties)
    if (p.output_hash == hash) return true;
  return images_named.contains(hash);
}

void CoreState::record_fatal(const Error& e) {
  if (!fatal) fatal = e;
}

void CoreState::save(const RequestState& r, const JobState& j) {
  if (auto w = journal.put_job(r.request.request_id, j); !w) record_fatal(w.error());
}

void CoreState::save_payment(const RequestState& r, const JobState& j) {
  if (auto w = journal.put_job_payment(r.request.request_id, j); !w) record_fatal(w.error());
}

void CoreState::save_submitted(const RequestState& r) {
  if (auto w = journal.put_request(r); !w) record_fatal(w.error());
}

void CoreState::save_progress(const RequestState& r) {
  if (auto w = journal.put_request_progress(r); !w) record_fatal(w.error());
}

void CoreState::save_verification(const RequestState& r, const JobState& j) {
  if (auto w = journal.put_verification(r.request.request_id, j); !w) record_fatal(w.error());
}

void CoreState::save_penalty(const PendingPenalty& p, std::int64_t now_ms) {
  JournaledPenalty jp{
      p.audit_id,   p.worker,      p.validator,
      p.job,        p.output_hash, p.worker_class,
      p.commitment, p.plan,        std::max<std::int64_t>(0, p.deadline_ms - now_ms),
      p.appealed,   std::nullopt};  // the notice has its own table (put_notice)
  if (auto w = journal.put_penalty(jp); !w) record_fatal(w.error());
}

void CoreState::save_node(const NodeEntry& n) {
  nodes_to_write.insert_or_assign(
      n.key, JournaledNode{n.key, n.role, n.reputation.state(), n.jobs_done, n.jobs_failed,
                           n.audits_passed, n.audits_failed, n.blacklisted});
}

void CoreState::write_saved_nodes() {
  for (const auto& [key, node] : std::exchange(nodes_to_write, {}))
    if (auto w = journal.put_node(node); !w) record_fatal(w.error());
}

protocol::SubmitAck CoreState::ack_of(const RequestState& r, bool resumed) const {
  protocol::SubmitAck a;
  a.coordinator = key();
  a.request_id = r.request.request_id;
  a.jobs = r.request.count;
  a.quoted = r.quoted;
  a.hold_id = std::to_string(r.hold_id);
  a.resumed = resumed;
  a.prompt_erased = r.erased.has_value();
  return a;
}

double CoreState::audit_rate_of(const NodeEntry& n) const {
  return audit_rate(options.policy.audit, n.jobs_done, n.reputation.score());
}

}  // namespace seedgrid::coordinator
