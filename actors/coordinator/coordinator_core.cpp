// The façade: opening the core, the journal commit, the tick that walks every lifecycle's timers,
// and what callers may read. Each lifecycle is its own file (core_state.hpp lists them).
#include "actors/coordinator/coordinator_core.hpp"

#include <filesystem>

#include "actors/coordinator/core_state.hpp"

namespace seedgrid::coordinator {

std::string worker_account(const PublicKey& key) { return "worker:" + key.hex(); }
std::string validator_account(const PublicKey& key) { return "validator:" + key.hex(); }
std::string user_account(const PublicKey& key) { return "user:" + key.hex(); }

CoordinatorCore::CoordinatorCore(std::unique_ptr<CoreState> state) : state_(std::move(state)) {}

CoordinatorCore::~CoordinatorCore() = default;

Result<std::unique_ptr<CoordinatorCore>> CoordinatorCore::open(const Identity& identity,
                                                               CoreOptions options,
                                                               std::int64_t now_ms, Outbox& out) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail("cannot create data directory ", options.data_dir, ": ", ec.message());
  auto journal = Journal::open(
      options.policy.journal.empty()
          ? (std::filesystem::path(options.data_dir) / "journal.sqlite").string()
          : options.policy.journal,
      options.prompt_key_file.empty() && !options.policy.journal.empty()
          ? (std::filesystem::path(options.data_dir) / "journal.prompt-key").string()
          : options.prompt_key_file,
      options.durability);
  if (!journal) return pass_on(journal);
  auto salt = journal->audit_salt();
  if (!salt) return context(salt.error(), "reading the audit salt");
  auto run = journal->begin_run();
  if (!run) return context(run.error(), "counting the coordinator's runs");
  auto state =
      std::make_unique<CoreState>(identity, std::move(options), std::move(*journal), *salt);
  state->started_ms = now_ms;
  state->run = *run;
  state->next_uptime_sample_ms = now_ms + state->options.uptime_sample_ms;
  // Images an older coordinator kept as files, before the journal held them.
  if (auto r = state->results.move_files_into_journal(
          (std::filesystem::path(state->options.data_dir) / "results").string());
      !r)
    return context(r.error(), "moving result images into the journal");
  std::unique_ptr<CoordinatorCore> core(new CoordinatorCore(std::move(state)));
  if (auto r = recover(*core->state_, now_ms, out); !r)
    return context(r.error(), "resuming the journal");
  if (auto c = core->commit(); !c) return pass_on(c);
  return core;
}

Result<void> CoordinatorCore::commit() {
  CoreState& s = *state_;
  if (s.fatal) return std::unexpected(*s.fatal);
  s.write_saved_nodes();
  if (s.fatal) return std::unexpected(*s.fatal);
  auto c = s.journal.commit();
  if (!c) s.record_fatal(c.error());
  return c;
}

void CoordinatorCore::commit_in_background(std::function<void(Result<void>)> done) {
  CoreState& s = *state_;
  if (!s.fatal) s.write_saved_nodes();
  if (s.fatal) return done(std::unexpected(*s.fatal));
  s.journal.commit_in_background(std::move(done));
}

void CoordinatorCore::tick(std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  expire_penalties(s, now_ms, out);
  erase_private_prompts(s);
  resend_orders(s, now_ms, out);
  ask_open_holds(s, now_ms, out);
  refresh_stakes(s, now_ms, out);
  for (auto& [id, r] : s.requests) {
    if (r.phase == RequestPhase::holding) expire_hold(s, r, now_ms, out);
    if (r.phase != RequestPhase::active) continue;
    std::optional<bool> capable;
    for (auto& j : r.jobs) expire_job(s, r, j, now_ms, out, capable);
  }
  sample_uptime(s, now_ms);
  release_held_slots(s, now_ms);
  dispatch(s, now_ms, out);
}

const std::optional<Error>& CoordinatorCore::fatal() const { return state_->fatal; }
const PublicKey& CoordinatorCore::key() const { return state_->key(); }
const NodeRegistry& CoordinatorCore::nodes() const { return state_->nodes; }
const ModelCatalog& CoordinatorCore::catalog() const { return state_->options.catalog; }
const TaskCatalog& CoordinatorCore::task_types() const { return state_->options.task_types; }

Result<std::optional<AcceptedScript>> CoordinatorCore::task_script(
    const std::string& script_id) const {
  if (const auto* script = state_->options.task_types.find_by_id(script_id))
    return AcceptedScript{script->file_name(), script->source()};
  return state_->journal.find_task_script(script_id);
}
Result<std::optional<RgbImage>> CoordinatorCore::input_image(const std::string& image_id) const {
  return state_->journal.find_input_image(image_id);
}
const config::CoordinatorSection& CoordinatorCore::policy() const { return state_->options.policy; }
std::size_t CoordinatorCore::pending_penalties() const { return state_->penalties.size(); }
double CoordinatorCore::audit_rate_of(const NodeEntry& worker) const {
  return state_->audit_rate_of(worker);
}

const RequestState* CoordinatorCore::request(const std::string& request_id) const {
  auto it = state_->requests.find(request_id);
  return it == state_->requests.end() ? nullptr : &it->second;
}

std::shared_ptr<ImageLog> CoordinatorCore::image_log() const { return state_->journal.image_log(); }
void CoordinatorCore::offer_result_image(const Digest& hash, const ImagePlace& place) {
  state_->journal.offer_result_image(hash, place);
}

Result<bool> CoordinatorCore::holds_image(const Digest& hash) const {
  return state_->results.contains(hash);
}

}  // namespace seedgrid::coordinator
