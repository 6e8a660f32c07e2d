#include "actors/coordinator/journal.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "actors/coordinator/journal_columns.hpp"
#include "actors/coordinator/journal_state.hpp"
#include "actors/coordinator/journal_tasks.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/engine_sql.hpp"
#include "runtime/base/storage/transaction.hpp"

namespace seedgrid::coordinator {

using storage::Database;
using storage::Statement;
using storage::Transaction;
using namespace journal_columns;

namespace {

// Jobs up to index `until`, queued: jobs without a row (put_jobs).
void add_queued_jobs(std::vector<JobState>& jobs, std::uint32_t until) {
  while (jobs.size() < until) {
    JobState j;
    j.index = static_cast<std::uint32_t>(jobs.size());
    jobs.push_back(std::move(j));
  }
}

}  // namespace

Journal::Journal(std::unique_ptr<State> state) : state_(std::move(state)) {}
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;
// Writes not committed roll back (the transaction's destructor), as a crash would leave them:
// nothing but a job on a worker went out on their account (the actor commits first), and a
// restart re-queues those.
Journal::~Journal() = default;

Result<void> Journal::ensure_transaction() {
  if (state_->tx) return {};
  auto tx = Transaction::begin(state_->db);
  if (!tx) return pass_on(tx);
  state_->tx.emplace(std::move(*tx));
  return {};
}

bool Journal::pending() const { return state_->tx.has_value(); }

std::uint64_t Journal::next_sequence() const { return state_->next_sequence; }

Result<void> Journal::put_request(const RequestState& r) {
  if (auto t = ensure_transaction(); !t) return t;
  state_->request_ids.add(r.request.request_id);
  if (r.sequence >= state_->next_sequence) state_->next_sequence = r.sequence + 1;
  const auto& q = r.request;
  auto& s = state_->put_request;
  s.bind(1, q.request_id)
      .bind(2, static_cast<std::int64_t>(r.sequence))
      .bind(3, static_cast<std::int64_t>(r.phase))
      .bind(4, r.hold_id)
      .bind(5, r.per_job)
      .bind(6, r.quoted)
      .bind(7, std::int64_t{r.cancel_requested})
      .bind(8, r.refunded)
      .bind(9, r.creator)
      .bind(10, r.base_render_millis)
      .bind(11, q.model_id)
      .bind(12, q.task_type)
      .bind(13, state_->prompts.seal(q.prompt))
      .bind(14, state_->prompts.seal(q.negative_prompt))
      .bind(15, std::bit_cast<std::int64_t>(q.seed))
      .bind(16, std::int64_t{q.steps})
      .bind(17, std::int64_t{std::bit_cast<std::uint32_t>(q.guidance)})
      .bind(18, q.sampler)
      .bind(19, std::int64_t{q.karras})
      .bind(20, std::int64_t{q.width})
      .bind(21, std::int64_t{q.height})
      .bind(22, std::int64_t{q.count})
      .bind(23, static_cast<std::int64_t>(q.tier))
      .bind(24, static_cast<std::int64_t>(q.privacy))
      .bind_blob(25, key_bytes(q.payer))
      .bind_blob(26, q.signature)
      .bind_blob(27, r.digest);
  if (auto w = s.run(); !w) return w;
  return journal_tasks::put(state_->tasks, state_->prompts, r);
}

Result<void> Journal::put_request_progress(const RequestState& r) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->put_request_progress.bind(1, static_cast<std::int64_t>(r.phase))
      .bind(2, r.hold_id)
      .bind(3, r.per_job)
      .bind(4, r.quoted)
      .bind(5, std::int64_t{r.cancel_requested})
      .bind(6, r.refunded)
      .bind(7, r.request.request_id)
      .run();
}

Result<void> Journal::put_task_script(const std::string& script_id, const std::string& file_name,
                                      const std::string& source) {
  if (auto t = ensure_transaction(); !t) return t;
  return journal_tasks::put_script(state_->tasks, script_id, {file_name, source});
}

Result<std::optional<AcceptedScript>> Journal::find_task_script(
    const std::string& script_id) const {
  return journal_tasks::find_script(state_->tasks, script_id);
}

Result<void> Journal::put_input_images(const std::string& request_id,
                                       const std::vector<RgbImage>& images) {
  if (auto t = ensure_transaction(); !t) return t;
  return journal_tasks::put_inputs(state_->tasks, request_id, images);
}

Result<std::optional<RgbImage>> Journal::find_input_image(const std::string& image_id) const {
  return journal_tasks::find_input(state_->tasks, image_id);
}

Result<void> Journal::put_job(const std::string& request_id, const JobState& j) {
  if (auto t = ensure_transaction(); !t) return t;
  auto& s = state_->put_job;
  s.bind(1, request_id)
      .bind(2, std::int64_t{j.index})
      .bind(3, static_cast<std::int64_t>(j.phase))
      .bind(4, std::int64_t{j.attempt})
      .bind(5, std::int64_t{j.failures});
  if (j.worker)
    s.bind_blob(6, key_bytes(*j.worker));
  else
    s.bind_null(6);
  s.bind_blob(7, keys_blob(j.excluded))
      .bind(8, std::int64_t{j.steps_done})
      .bind(9, static_cast<std::int64_t>(j.last_code))
      .bind(10, j.last_reason)
      .bind_blob(11, j.output_hash)
      .bind_blob(12, j.trajectory_root)
      .bind(13, j.determinism_class)
      .bind(14, static_cast<std::int64_t>(j.render_ms));
  if (j.audit.validator)
    s.bind_blob(15, key_bytes(*j.audit.validator));
  else
    s.bind_null(15);
  s.bind(16, j.audit.summary)
      .bind(17, j.receipt.charged)
      .bind(18, j.receipt.worker_paid)
      .bind(19, j.receipt.creator_paid)
      .bind(20, j.receipt.platform_fee)
      .bind(21, j.receipt.burned)
      .bind(22, j.receipt.reference);
  return s.run();
}

Result<void> Journal::put_job_payment(const std::string& request_id, const JobState& j) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->put_job_payment.bind(1, static_cast<std::int64_t>(j.phase))
      .bind(2, j.receipt.charged)
      .bind(3, j.receipt.worker_paid)
      .bind(4, j.receipt.creator_paid)
      .bind(5, j.receipt.platform_fee)
      .bind(6, j.receipt.burned)
      .bind(7, j.receipt.reference)
      .bind(8, request_id)
      .bind(9, std::int64_t{j.index})
      .run();
}

Result<void> Journal::put_jobs(const RequestState& r) {
  for (const auto& j : r.jobs)
    if (auto w = put_job(r.request.request_id, j); !w) return w;
  return {};
}

Result<void> Journal::delete_request(const std::string& request_id) {
  if (auto t = ensure_transaction(); !t) return t;
  if (auto r = state_->delete_jobs.bind(1, request_id).run(); !r) return r;
  if (auto r = state_->delete_verification.bind(1, request_id).run(); !r) return r;
  if (auto r = journal_tasks::remove(state_->db, request_id); !r) return r;
  return state_->delete_request.bind(1, request_id).run();
}

Result<void> Journal::release_input_images(const std::string& request_id, bool zero_pages) {
  if (auto t = ensure_transaction(); !t) return t;
  auto w = delete_zeroing_or_not(
      state_->db, zero_pages, [&] { return journal_tasks::erase_inputs(state_->db, request_id); });
  if (!w) return context(w.error(), "journal: releasing the input images of ", request_id);
  return {};
}

Result<std::vector<std::string>> Journal::requests_with_input_images() const {
  auto found = journal_tasks::requests_with_inputs(state_->db);
  if (!found) return context(found.error(), "journal: listing requests with input images");
  return found;
}

Result<void> Journal::erase_prompt(const std::string& request_id, const ErasedPrompt& erased) {
  if (auto t = ensure_transaction(); !t) return t;
  auto blank = state_->db.prepare(
      "UPDATE requests SET prompt = '', negative_prompt = '' WHERE request_id = ?");
  auto mark = state_->db.prepare(storage::upsert_sql(
      "erased_prompts", {"request_id", "prompt_hash", "negative_prompt_hash"}, {"request_id"}));
  if (!blank) return pass_on(blank);
  if (!mark) return pass_on(mark);
  if (auto r = blank->bind(1, request_id).run(); !r) return r;
  if (auto r = journal_tasks::erase_params(state_->db, request_id); !r) return r;
  if (auto r = journal_tasks::erase_inputs(state_->db, request_id); !r) return r;
  state_->checkpoint_after_commit = true;
  return mark->bind(1, request_id)
      .bind_blob(2, erased.prompt_hash)
      .bind_blob(3, erased.negative_prompt_hash)
      .run();
}

Result<void> Journal::put_node(const JournaledNode& n) {
  if (auto t = ensure_transaction(); !t) return t;
  return state_->put_node.bind_blob(1, key_bytes(n.key))
      .bind(2, static_cast<std::int64_t>(n.role))
      .bind(3, bits_of(n.reputation.success))
      .bind(4, bits_of(n.reputation.latency))
      .bind(5, bits_of(n.reputation.uptime))
      .bind(6, bits_of(n.reputation.audit))
      .bind(7, static_cast<std::int64_t>(n.jobs_done))
      .bind(8, static_cast<std::int64_t>(n.jobs_failed))
      .bind(9, static_cast<std::int64_t>(n.audits_passed))
      .bind(10, static_cast<std::int64_t>(n.audits_failed))
      .bind(11, std::int64_t{n.blacklisted})
      .run();
}

Result<std::vector<RequestState>> Journal::load_requests(std::size_t recent_done) const {
  Database& db = state_->db;
  // Done private requests whose prompt is not erased yet are loaded however old: the erasure is
  // still owed to them.
  auto q = db.prepare(
      "SELECT requests.*, erased_prompts.prompt_hash, erased_prompts.negative_prompt_hash "
      "FROM requests LEFT JOIN erased_prompts USING(request_id) "
      "WHERE phase != 3 OR (privacy = 1 AND erased_prompts.request_id IS NULL) OR seq IN "
      "(SELECT seq FROM requests WHERE phase = 3 ORDER BY seq DESC LIMIT ?) ORDER BY seq");
  if (!q) return pass_on(q);
  q->bind(1, static_cast<std::int64_t>(recent_done));
  std::vector<RequestState> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    RequestState r;
    auto& g = r.request;
    g.request_id = q->column_text(0);
    r.sequence = static_cast<std::uint64_t>(q->column_int64(1));
    r.phase = static_cast<RequestPhase>(q->column_int64(2));
    r.hold_id = q->column_int64(3);
    r.per_job = q->column_int64(4);
    r.quoted = q->column_int64(5);
    r.cancel_requested = q->column_int64(6) != 0;
    r.refunded = q->column_int64(7);
    r.creator = q->column_text(8);
    r.base_render_millis = q->column_int64(9);
    g.model_id = q->column_text(10);
    g.task_type = q->column_text(11);
    for (auto [column, text] : {std::pair{12, &g.prompt}, std::pair{13, &g.negative_prompt}}) {
      auto opened = unsealed(state_->prompts, q->column_text(column));
      if (!opened) return context(opened.error(), "reading request ", g.request_id, "'s prompt");
      *text = std::move(*opened);
    }
    g.seed = std::bit_cast<std::uint64_t>(q->column_int64(14));
    g.steps = static_cast<std::uint32_t>(q->column_int64(15));
    g.guidance = std::bit_cast<float>(static_cast<std::uint32_t>(q->column_int64(16)));
    g.sampler = q->column_text(17);
    g.karras = q->column_int64(18) != 0;
    g.width = static_cast<std::uint32_t>(q->column_int64(19));
    g.height = static_cast<std::uint32_t>(q->column_int64(20));
    g.count = static_cast<std::uint32_t>(q->column_int64(21));
    g.tier = static_cast<protocol::Tier>(q->column_int64(22));
    g.privacy = static_cast<protocol::Privacy>(q->column_int64(23));
    if (auto k = key_from_blob(q->column_blob(24))) g.payer = *k;
    const auto sig = q->column_blob(25);
    if (sig.size() == g.signature.size()) std::memcpy(g.signature.data(), sig.data(), sig.size());
    r.digest = digest_from_blob(q->column_blob(26));
    if (!q->column_is_null(27))
      r.erased =
          ErasedPrompt{digest_from_blob(q->column_blob(27)), digest_from_blob(q->column_blob(28))};
    out.push_back(std::move(r));
  }
  auto jobs = db.prepare("SELECT * FROM jobs WHERE request_id = ? ORDER BY idx");
  if (!jobs) return pass_on(jobs);
  for (auto& r : out) {
    jobs->reset();
    jobs->bind(1, r.request.request_id);
    const bool has_jobs = r.phase != RequestPhase::holding && r.phase != RequestPhase::abandoned;
    for (;;) {
      auto row = jobs->step();
      if (!row) return pass_on(row);
      if (!*row) break;
      const auto index = static_cast<std::uint32_t>(jobs->column_int64(1));
      if (index >= r.request.count)
        return fail("journal: request ", r.request.request_id, " has a row for job ", index,
                    " but only ", r.request.count, " jobs");
      // A job with no row was never written since its request's hold was placed: still queued
      // (journal.hpp, put_jobs).
      add_queued_jobs(r.jobs, index);
      JobState j;
      j.index = index;
      j.phase = static_cast<JobPhase>(jobs->column_int64(2));
      j.attempt = static_cast<std::uint32_t>(jobs->column_int64(3));
      j.failures = static_cast<std::uint32_t>(jobs->column_int64(4));
      if (!jobs->column_is_null(5)) j.worker = key_from_blob(jobs->column_blob(5));
      j.excluded = keys_from_blob(jobs->column_blob(6));
      j.steps_done = static_cast<std::uint32_t>(jobs->column_int64(7));
      j.last_code = static_cast<protocol::ErrorCode>(jobs->column_int64(8));
      j.last_reason = jobs->column_text(9);
      j.output_hash = digest_from_blob(jobs->column_blob(10));
      j.trajectory_root = digest_from_blob(jobs->column_blob(11));
      j.determinism_class = jobs->column_text(12);
      j.render_ms = static_cast<std::uint64_t>(jobs->column_int64(13));
      if (!jobs->column_is_null(14)) j.audit.validator = key_from_blob(jobs->column_blob(14));
      j.audit.summary = jobs->column_text(15);
      j.receipt.charged = jobs->column_int64(16);
      j.receipt.worker_paid = jobs->column_int64(17);
      j.receipt.creator_paid = jobs->column_int64(18);
      j.receipt.platform_fee = jobs->column_int64(19);
      j.receipt.burned = jobs->column_int64(20);
      j.receipt.reference = jobs->column_text(21);
      r.jobs.push_back(std::move(j));
    }
    if (has_jobs) add_queued_jobs(r.jobs, r.request.count);
    if (auto v = load_verification(db, state_->prompts, r); !v) return pass_on(v);
    if (auto t = journal_tasks::load(state_->tasks, state_->prompts, r); !t) return pass_on(t);
  }
  return out;
}

Result<std::vector<JournaledNode>> Journal::load_nodes() const {
  auto q = state_->db.prepare("SELECT * FROM nodes ORDER BY key");
  if (!q) return pass_on(q);
  std::vector<JournaledNode> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    JournaledNode n;
    if (auto k = key_from_blob(q->column_blob(0))) n.key = *k;
    n.role = static_cast<protocol::Role>(q->column_int64(1));
    n.reputation.success = double_of(q->column_int64(2));
    n.reputation.latency = double_of(q->column_int64(3));
    n.reputation.uptime = double_of(q->column_int64(4));
    n.reputation.audit = double_of(q->column_int64(5));
    n.jobs_done = static_cast<std::uint64_t>(q->column_int64(6));
    n.jobs_failed = static_cast<std::uint64_t>(q->column_int64(7));
    n.audits_passed = static_cast<std::uint64_t>(q->column_int64(8));
    n.audits_failed = static_cast<std::uint64_t>(q->column_int64(9));
    n.blacklisted = q->column_int64(10) != 0;
    out.push_back(n);
  }
  return out;
}

Result<void> Journal::put_command_nonce(const JournaledNonce& n, std::int64_t now_unix_ms) {
  if (auto t = ensure_transaction(); !t) return t;
  auto forget = state_->db.prepare("DELETE FROM command_nonces WHERE expires < ?");
  if (!forget) return pass_on(forget);
  if (auto r = forget->bind(1, now_unix_ms).run(); !r) return r;
  auto put = state_->db.prepare("INSERT OR IGNORE INTO command_nonces VALUES(?,?,?)");
  if (!put) return pass_on(put);
  return put->bind_blob(1, key_bytes(n.payer))
      .bind_blob(2, n.nonce)
      .bind(3, n.expires_unix_ms)
      .run();
}

Result<std::vector<JournaledNonce>> Journal::load_command_nonces() const {
  auto q = state_->db.prepare("SELECT payer, nonce, expires FROM command_nonces");
  if (!q) return pass_on(q);
  std::vector<JournaledNonce> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    auto payer = key_from_blob(q->column_blob(0));
    if (payer) out.push_back({*payer, digest_from_blob(q->column_blob(1)), q->column_int64(2)});
  }
  return out;
}

// Asked at every submit of an id not in memory. The filter of every id put says "new" for nearly
// all of them without a read; the rare "maybe" reads behind the writer's queue, so a refused
// request's delete still queued counts as done.
Result<bool> Journal::knows_request(const std::string& request_id) const {
  if (!state_->request_ids.may_hold(request_id)) return false;
  Statement& q = state_->find_request;
  const storage::ResetAtExit done{q};
  return q.bind(1, request_id).step();
}

Result<JobTotals> Journal::job_totals() const {
  auto q = state_->db.prepare("SELECT phase, COUNT(*) FROM jobs GROUP BY phase");
  if (!q) return pass_on(q);
  JobTotals totals;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    const auto phase = static_cast<JobPhase>(q->column_int64(0));
    const auto n = static_cast<std::uint64_t>(q->column_int64(1));
    if (phase == JobPhase::delivered) totals.delivered = n;
    if (phase == JobPhase::failed) totals.failed = n;
  }
  return totals;
}

Result<std::uint64_t> Journal::begin_run() {
  auto q = state_->db.prepare("SELECT value FROM meta WHERE name = 'runs'");
  if (!q) return pass_on(q);
  auto row = q->step();
  if (!row) return pass_on(row);
  // The count is decimal text in the BLOB column: PostgreSQL's bytea holds no integer, and
  // SQLite hands an older journal's integer value back as the same text.
  std::uint64_t run = 1;
  if (*row) {
    const auto text = q->column_blob(0);
    std::uint64_t before = 0;
    const auto* first = reinterpret_cast<const char*>(text.data());
    if (std::from_chars(first, first + text.size(), before).ec != std::errc{})
      return fail("the journal's run count is not a number");
    run = before + 1;
  }
  q->reset();
  auto put = state_->db.prepare(storage::upsert_sql("meta", {"name", "value"}, {"name"}));
  if (!put) return pass_on(put);
  if (auto t = ensure_transaction(); !t) return pass_on(t);
  const std::string count = std::to_string(run);
  if (auto r = put->bind(1, "runs")
                   .bind_blob(2, std::span(reinterpret_cast<const std::uint8_t*>(count.data()),
                                           count.size()))
                   .run();
      !r)
    return pass_on(r);
  if (auto c = commit(); !c) return pass_on(c);
  return run;
}

Result<Digest> Journal::audit_salt() {
  auto q = state_->db.prepare("SELECT value FROM meta WHERE name = 'audit_salt'");
  if (!q) return pass_on(q);
  auto row = q->step();
  if (!row) return pass_on(row);
  if (*row) return digest_from_blob(q->column_blob(0));
  q->reset();
  ensure_sodium();
  Digest salt{};
  randombytes_buf(salt.data(), salt.size());
  auto ins = state_->db.prepare("INSERT INTO meta VALUES('audit_salt', ?)");
  if (!ins) return pass_on(ins);
  if (auto t = ensure_transaction(); !t) return pass_on(t);
  if (auto r = ins->bind_blob(1, salt).run(); !r) return pass_on(r);
  if (auto c = commit(); !c) return pass_on(c);
  return salt;
}

}  // namespace seedgrid::coordinator
