// Opening a coordinator journal: its schema, its prompt key, its prepared statements and, for a
// durable SQLite journal, the image log beside it.
#include <algorithm>
#include <memory>
#include <optional>

#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/journal_state.hpp"
#include "actors/coordinator/journal_tasks.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/engine_sql.hpp"
#include "runtime/base/storage/sole_owner.hpp"

namespace seedgrid::coordinator {

using storage::Database;

namespace {

// jobs_output, an index of jobs by image, answered whether another request named an image; the
// core counts that in memory now (CoreState::images_named), so journals of earlier builds lose it.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, phase INTEGER NOT NULL,
  hold_id INTEGER NOT NULL, per_job INTEGER NOT NULL, quoted INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL, refunded INTEGER NOT NULL, creator TEXT NOT NULL,
  base_render_millis INTEGER NOT NULL, model_id TEXT NOT NULL, task_type TEXT NOT NULL,
  prompt TEXT NOT NULL, negative_prompt TEXT NOT NULL, seed INTEGER NOT NULL,
  steps INTEGER NOT NULL, guidance_bits INTEGER NOT NULL, sampler TEXT NOT NULL,
  karras INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
  count INTEGER NOT NULL, tier INTEGER NOT NULL, privacy INTEGER NOT NULL,
  payer BLOB NOT NULL, signature BLOB NOT NULL, digest BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS jobs(
  request_id TEXT NOT NULL, idx INTEGER NOT NULL, phase INTEGER NOT NULL,
  attempt INTEGER NOT NULL, failures INTEGER NOT NULL, worker BLOB, excluded BLOB NOT NULL,
  steps_done INTEGER NOT NULL, last_code INTEGER NOT NULL, last_reason TEXT NOT NULL,
  output_hash BLOB NOT NULL, trajectory_root BLOB NOT NULL, determinism_class TEXT NOT NULL,
  render_ms INTEGER NOT NULL, validator BLOB, audit TEXT NOT NULL, charged INTEGER NOT NULL,
  worker_paid INTEGER NOT NULL, creator_paid INTEGER NOT NULL, platform_fee INTEGER NOT NULL,
  burned INTEGER NOT NULL, reference TEXT NOT NULL,
  PRIMARY KEY(request_id, idx));
DROP INDEX IF EXISTS jobs_output;
CREATE TABLE IF NOT EXISTS nodes(
  key BLOB PRIMARY KEY, role INTEGER NOT NULL, success_bits INTEGER NOT NULL,
  latency_bits INTEGER NOT NULL, uptime_bits INTEGER NOT NULL, audit_bits INTEGER NOT NULL,
  jobs_done INTEGER NOT NULL,
  jobs_failed INTEGER NOT NULL, audits_passed INTEGER NOT NULL, audits_failed INTEGER NOT NULL,
  blacklisted INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS slashes(
  key TEXT PRIMARY KEY, verdict_id TEXT NOT NULL, worker TEXT NOT NULL,
  validator TEXT NOT NULL, done INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verification(
  request_id TEXT NOT NULL, idx INTEGER NOT NULL, commitment TEXT, plan BLOB NOT NULL,
  purpose TEXT NOT NULL, excluded BLOB NOT NULL, PRIMARY KEY(request_id, idx));
CREATE TABLE IF NOT EXISTS penalties(
  audit_id TEXT PRIMARY KEY, worker BLOB NOT NULL, validator BLOB NOT NULL, receipt TEXT NOT NULL,
  has_commitment INTEGER NOT NULL, output_hash BLOB NOT NULL, worker_class TEXT NOT NULL,
  plan BLOB NOT NULL, remaining_ms INTEGER NOT NULL, appealed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notices(audit_id TEXT PRIMARY KEY, verdict BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS erased_prompts(
  request_id TEXT PRIMARY KEY, prompt_hash BLOB NOT NULL, negative_prompt_hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS command_nonces(
  payer BLOB NOT NULL, nonce BLOB NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY(payer, nonce));
)sql";

}  // namespace

Result<Journal> Journal::open(const std::string& path, const std::string& prompt_key_file,
                              storage::Durability durability) {
  if (prompt_key_file.empty() && storage::engine_of(path) != storage::Engine::sqlite)
    return fail("a journal in ", path,
                " needs a prompt key file: the key that seals prompts stays on this machine");
  auto prompts =
      SecretBox::load_or_create(prompt_key_file.empty() ? path + ".prompt-key" : prompt_key_file);
  if (!prompts) return context(prompts.error(), "the key that seals prompts in the journal");
  // 16 KiB pages: a 512x512 result image (768 KiB, journal_results.hpp) is a chain of 48 overflow
  // pages instead of 192, which raised the dispatch bench's throughput at that size by a quarter
  // to a third; larger pages made every small row's commit write more (bench/RESULTS.md).
  // Its writes run on a thread of their own (storage/background_writer.hpp) while the coordinator
  // goes on: the statements were about a third of the coordinator's thread (bench/RESULTS.md).
  auto db = Database::open(path, {.durability = durability,
                                  .page_size = 16'384,
                                  .background_writer = durability == storage::Durability::full});
  if (!db) return context(db.error(), "opening the coordinator journal");
  auto owner = storage::claim_sole_owner(*db, "the coordinator journal");
  if (!owner) return pass_on(owner);
  // The simulator's throw-away journal has one reader and writer, its core: holding the lock for
  // good saves the lock calls and hot-journal checks of every transaction (~25 a job).
  if (durability == storage::Durability::none)
    if (auto r = db->exec("PRAGMA locking_mode=EXCLUSIVE"); !r)
      return context(r.error(), "opening the coordinator journal");
  if (auto r = db->exec(kSchema); !r) return context(r.error(), "creating the journal schema");
  for (std::string_view schema : {journal_tasks::kSchema, journal_results::kSchema})
    if (auto r = db->exec(schema); !r) return context(r.error(), "creating the journal schema");
  // Erased prompts leave no sealed copy behind in freed pages (prompt_erasure.cpp).
  if (auto r = db->exec("PRAGMA secure_delete=ON"); !r)
    return context(r.error(), "opening the journal");
  if (auto r = db->drain(); !r) return context(r.error(), "creating the journal schema");
  auto prep = [&](std::string_view sql) { return db->prepare(sql); };
  // Each write replaces its row by key: upserts, which SQLite and PostgreSQL both take
  // (storage/engine_sql.hpp). The columns are the schema's, in its order.
  using storage::upsert_sql;
  auto put_request = prep(upsert_sql("requests",
                                     {"request_id",
                                      "seq",
                                      "phase",
                                      "hold_id",
                                      "per_job",
                                      "quoted",
                                      "cancel_requested",
                                      "refunded",
                                      "creator",
                                      "base_render_millis",
                                      "model_id",
                                      "task_type",
                                      "prompt",
                                      "negative_prompt",
                                      "seed",
                                      "steps",
                                      "guidance_bits",
                                      "sampler",
                                      "karras",
                                      "width",
                                      "height",
                                      "count",
                                      "tier",
                                      "privacy",
                                      "payer",
                                      "signature",
                                      "digest"},
                                     {"request_id"}));
  auto put_job = prep(upsert_sql("jobs", {"request_id",
                                          "idx",
                                          "phase",
                                          "attempt",
                                          "failures",
                                          "worker",
                                          "excluded",
                                          "steps_done",
                                          "last_code",
                                          "last_reason",
                                          "output_hash",
                                          "trajectory_root",
                                          "determinism_class",
                                          "render_ms",
                                          "validator",
                                          "audit",
                                          "charged",
                                          "worker_paid",
                                          "creator_paid",
                                          "platform_fee",
                                          "burned",
                                          "reference"},
                                 {"request_id", "idx"}));
  auto delete_request = prep("DELETE FROM requests WHERE request_id = ?");
  auto delete_jobs = prep("DELETE FROM jobs WHERE request_id = ?");
  auto put_node =
      prep(upsert_sql("nodes",
                      {"key", "role", "success_bits", "latency_bits", "uptime_bits", "audit_bits",
                       "jobs_done", "jobs_failed", "audits_passed", "audits_failed", "blacklisted"},
                      {"key"}));
  auto put_slash = prep("INSERT OR IGNORE INTO slashes VALUES(?,?,?,?,0)");
  auto slash_done = prep("UPDATE slashes SET done = 1 WHERE key = ?");
  auto put_verification = prep(
      upsert_sql("verification", {"request_id", "idx", "commitment", "plan", "purpose", "excluded"},
                 {"request_id", "idx"}));
  auto delete_verification = prep("DELETE FROM verification WHERE request_id = ?");
  auto put_penalty =
      prep(upsert_sql("penalties",
                      {"audit_id", "worker", "validator", "receipt", "has_commitment",
                       "output_hash", "worker_class", "plan", "remaining_ms", "appealed"},
                      {"audit_id"}));
  auto delete_penalty = prep("DELETE FROM penalties WHERE audit_id = ?");
  auto put_notice = prep(upsert_sql("notices", {"audit_id", "verdict"}, {"audit_id"}));
  auto delete_notice = prep("DELETE FROM notices WHERE audit_id = ?");
  auto find_request = prep("SELECT 1 FROM requests WHERE request_id = ?");  // at every submit
  // A job's payment changes its row's phase and money only (an upsert of the whole row rewrote
  // its entry in the jobs_output index of the time, a page at a random place: bench/RESULTS.md,
  // session 38).
  auto put_job_payment = prep(
      "UPDATE jobs SET phase = ?, charged = ?, worker_paid = ?, creator_paid = ?, "
      "platform_fee = ?, burned = ?, reference = ? WHERE request_id = ? AND idx = ?");
  auto put_request_progress = prep(
      "UPDATE requests SET phase = ?, hold_id = ?, per_job = ?, quoted = ?, cancel_requested = ?, "
      "refunded = ? WHERE request_id = ?");
  for (auto* s :
       {&put_request, &put_job, &delete_request, &delete_jobs, &put_node, &put_slash, &slash_done,
        &put_verification, &delete_verification, &put_penalty, &delete_penalty, &put_notice,
        &delete_notice, &find_request, &put_job_payment, &put_request_progress})
    if (!*s) return context(s->error(), "preparing the journal");
  auto tasks = journal_tasks::prepare(*db);
  if (!tasks) return context(tasks.error(), "preparing the journal");
  auto images = journal_results::prepare(*db);
  if (!images) return context(images.error(), "preparing the journal");
  // One pass over the requests: the next sequence number, and every id the journal holds, so
  // that a submit of a new one needs no read (knows_request).
  RequestIdFilter request_ids;
  std::uint64_t next = 1;
  {
    auto ids = db->prepare("SELECT request_id, seq FROM requests");
    if (!ids) return context(ids.error(), "reading the journal's requests");
    for (;;) {
      auto row = ids->step();
      if (!row) return context(row.error(), "reading the journal's requests");
      if (!*row) break;
      request_ids.add(ids->column_text(0));
      next = std::max(next, static_cast<std::uint64_t>(ids->column_int64(1)) + 1);
    }
  }
  auto state = std::unique_ptr<State>(new State{std::move(*owner),
                                                std::move(*db),
                                                std::move(*prompts),
                                                std::nullopt,
                                                std::move(*put_request),
                                                std::move(*put_job),
                                                std::move(*delete_request),
                                                std::move(*delete_jobs),
                                                std::move(*put_node),
                                                std::move(*put_slash),
                                                std::move(*slash_done),
                                                std::move(*put_verification),
                                                std::move(*delete_verification),
                                                std::move(*put_penalty),
                                                std::move(*delete_penalty),
                                                std::move(*put_notice),
                                                std::move(*delete_notice),
                                                std::move(*find_request),
                                                std::move(*put_job_payment),
                                                std::move(*put_request_progress),
                                                std::move(*tasks),
                                                std::move(*images),
                                                next,
                                                false,
                                                nullptr,
                                                {},
                                                {}});
  if (durability == storage::Durability::full &&
      storage::engine_of(path) == storage::Engine::sqlite) {
    auto log = ImageLog::open(path + ".images");
    if (!log) return context(log.error(), "opening the journal's result images");
    auto use = journal_results::sweep(*log, state->db);
    if (!use) return context(use.error(), "opening the journal's result images");
    state->image_log = std::make_shared<ImageLog>(std::move(*log));
    state->log_use = std::move(*use);
  }
  state->request_ids = std::move(request_ids);
  return Journal(std::move(state));
}

}  // namespace seedgrid::coordinator
