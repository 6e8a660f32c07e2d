#include "actors/treasury/ledger_state.hpp"

#include <algorithm>
#include <map>

#include "actors/treasury/settle_group.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::treasury {

std::unexpected<Error> LedgerState::storage_error(const Error& e) {
  storage_failed = true;
  return std::unexpected(e);
}

Result<storage::Statement*> LedgerState::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto prepared = db.prepare(sql);
    if (!prepared) return storage_error(prepared.error());
    it = statements_.emplace(std::string(sql), std::move(*prepared)).first;
  }
  return &it->second;
}

Result<Micros> LedgerState::stored_balance(std::string_view account, Asset asset) {
  auto st = statement("SELECT amount FROM balances WHERE account = ? AND asset = ?");
  if (!st) return pass_on(st);
  (*st)->bind(1, account).bind(2, static_cast<std::int64_t>(asset));
  auto row = (*st)->step();
  if (!row) return storage_error(row.error());
  const Micros amount = *row ? (*st)->column_int64(0) : 0;
  (*st)->reset();
  return amount;
}

Result<LedgerState::CachedBalance*> LedgerState::cached_balance(std::string_view account,
                                                                Asset asset) {
  auto key = std::make_pair(std::string(account), asset);
  auto it = balances_.find(key);
  if (it != balances_.end()) return &it->second;
  auto amount = stored_balance(account, asset);
  if (!amount) return pass_on(amount);
  return &balances_.emplace(std::move(key), CachedBalance{*amount, false}).first->second;
}

Result<Micros> LedgerState::balance(std::string_view account, Asset asset) {
  if (!in_transaction) return stored_balance(account, asset);
  auto cached = cached_balance(account, asset);
  if (!cached) return pass_on(cached);
  return (*cached)->amount;
}

Result<void> LedgerState::flush_balances() {
  auto st = statement(
      "INSERT INTO balances(account, asset, amount) VALUES(?, ?, ?) "
      "ON CONFLICT(account, asset) DO UPDATE SET amount = excluded.amount");
  if (!st) return pass_on(st);
  for (auto& [key, cached] : balances_) {
    if (!cached.dirty) continue;
    (*st)->bind(1, key.first).bind(2, static_cast<std::int64_t>(key.second)).bind(3, cached.amount);
    if (auto r = (*st)->run(); !r) return storage_error(r.error());
    cached.dirty = false;
  }
  return {};
}

void LedgerState::forget_balances() {
  balances_.clear();
  balances_head_.reset();
}

void LedgerState::keep_balances_committed() {
  // Every request's hold has an account of its own, emptied by its last settlement or its
  // release and not touched again after: those go, the rest (payers, payees, open holds) stay,
  // up to a bound.
  constexpr std::size_t kMostKeptBalances = 4096;
  std::erase_if(balances_, [](const auto& entry) {
    return entry.second.amount == 0 && entry.first.first.starts_with(journal::kHoldAccountPrefix);
  });
  if (balances_.size() > kMostKeptBalances) return forget_balances();
  balances_head_.emplace(head_seq, head_hash);
}

void LedgerState::note_new_account(std::string account, Asset asset) {
  balances_.try_emplace(std::make_pair(std::move(account), asset), CachedBalance{0, false});
}

void LedgerState::keep_balances_if_head_unchanged() {
  if (!balances_head_ || balances_head_->first != head_seq || balances_head_->second != head_hash)
    forget_balances();
}

Result<std::optional<HoldRow>> LedgerState::hold(std::int64_t id) {
  auto st = statement(
      "SELECT request_id, payer, base_render_millis, steps, width, height, tier, count, img2img, "
      "previews, per_job, jobs, finalized, released FROM holds WHERE id = ?");
  if (!st) return pass_on(st);
  storage::Statement& q = **st;
  q.bind(1, id);
  auto row = q.step();
  if (!row) return storage_error(row.error());
  std::optional<HoldRow> out;
  if (*row) {
    HoldRow h;
    h.id = id;
    h.request_id = q.column_text(0);
    h.payer = q.column_text(1);
    h.request.base_render_millis = q.column_int64(2);
    h.request.steps = static_cast<int>(q.column_int64(3));
    h.request.width = static_cast<int>(q.column_int64(4));
    h.request.height = static_cast<int>(q.column_int64(5));
    h.request.tier = static_cast<Tier>(q.column_int64(6));
    h.request.count = static_cast<int>(q.column_int64(7));
    h.request.img2img = q.column_int64(8) != 0;
    h.request.previews = q.column_int64(9) != 0;
    h.per_job = q.column_int64(10);
    h.jobs = static_cast<int>(q.column_int64(11));
    h.finalized = static_cast<int>(q.column_int64(12));
    h.released = q.column_int64(13) != 0;
    out = std::move(h);
  }
  q.reset();
  return out;
}

Result<std::optional<JobRow>> LedgerState::job(std::int64_t hold_id, std::string_view job_id) {
  auto st = statement(
      "SELECT seq, outcome, worker, paid, clawed_back FROM hold_jobs WHERE hold_id = ? AND job_id "
      "= ?");
  if (!st) return pass_on(st);
  storage::Statement& q = **st;
  q.bind(1, hold_id).bind(2, job_id);
  auto row = q.step();
  if (!row) return storage_error(row.error());
  std::optional<JobRow> out;
  if (*row)
    out = JobRow{q.column_int64(0), q.column_text(1), q.column_text(2), q.column_int64(3),
                 q.column_int64(4) != 0};
  q.reset();
  return out;
}

Result<Micros> LedgerState::minted(Asset asset) {
  auto mint = balance(journal::kMintAccount, asset);
  if (!mint) return mint;
  return -*mint;
}

Result<JournalEntry> LedgerState::entry(std::uint64_t seq) {
  auto st = statement("SELECT at, op, idem_key, request, hash FROM journal WHERE seq = ?");
  if (!st) return pass_on(st);
  storage::Statement& q = **st;
  q.bind(1, static_cast<std::int64_t>(seq));
  auto row = q.step();
  if (!row) return storage_error(row.error());
  if (!*row) {
    q.reset();
    return fail("journal has no entry ", seq);
  }
  JournalEntry e;
  e.seq = seq;
  e.at = q.column_int64(0);
  e.op = q.column_text(1);
  e.key = q.column_text(2);
  e.request = q.column_text(3);
  const auto hash = q.column_blob(4);
  std::copy_n(hash.begin(), std::min(hash.size(), e.hash.size()), e.hash.begin());
  q.reset();

  auto ps = statement("SELECT account, asset, amount FROM postings WHERE seq = ? ORDER BY idx");
  if (!ps) return pass_on(ps);
  storage::Statement& p = **ps;
  p.bind(1, static_cast<std::int64_t>(seq));
  for (;;) {
    auto prow = p.step();
    if (!prow) return storage_error(prow.error());
    if (!*prow) break;
    e.postings.push_back(
        {p.column_text(0), static_cast<Asset>(p.column_int64(1)), p.column_int64(2)});
  }
  p.reset();
  return e;
}

Result<void> LedgerState::reload_head() {
  auto st = statement("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
  if (!st) return pass_on(st);
  auto row = (*st)->step();
  if (!row) return storage_error(row.error());
  head_seq = 0;
  head_hash = Digest{};
  head_unsigned = false;  // every committed transaction ends on a signed entry
  if (*row) {
    head_seq = static_cast<std::uint64_t>((*st)->column_int64(0));
    const auto hash = (*st)->column_blob(1);
    std::copy_n(hash.begin(), std::min(hash.size(), head_hash.size()), head_hash.begin());
  }
  (*st)->reset();
  return {};
}

Result<std::optional<JournalReceipt>> LedgerState::replay(std::string_view key, std::string_view op,
                                                          std::string_view request,
                                                          std::string_view earlier_request) {
  // One read for both places a key can be (a round trip each on PostgreSQL, and every operation
  // asks): an entry's own key, or a job's in a settle_jobs entry (settle_group.hpp).
  auto st = statement(
      "SELECT seq, op, request, 0 FROM journal WHERE idem_key = ? UNION ALL "
      "SELECT seq, '', '', 1 FROM grouped_keys WHERE idem_key = ? ORDER BY 4 LIMIT 1");
  if (!st) return pass_on(st);
  storage::Statement& q = **st;
  q.bind(1, key).bind(2, key);
  auto row = q.step();
  if (!row) return storage_error(row.error());
  if (!*row) {
    q.reset();
    return std::optional<JournalReceipt>{};
  }
  const auto seq = static_cast<std::uint64_t>(q.column_int64(0));
  const bool grouped = q.column_int64(3) != 0;
  const std::string old_op = q.column_text(1), old_request = q.column_text(2);
  q.reset();
  if (grouped) return replay_grouped(seq, key, op, request);
  const bool same_request =
      old_request == request || (!earlier_request.empty() && old_request == earlier_request);
  if (old_op != op || !same_request)
    return fail("idempotency key '", key, "' was already used by entry ", seq, " for a different ",
                old_op == op ? "request" : "operation", " (", old_op,
                "); a retry must repeat the original exactly, a new operation needs a new key");
  auto e = entry(seq);
  if (!e) return pass_on(e);
  JournalReceipt r;
  r.seq = seq;
  r.hash = e->hash;
  r.op = e->op;
  r.replayed = true;
  r.hold_id = e->op == "hold" ? static_cast<std::int64_t>(seq) : 0;
  r.postings = std::move(e->postings);
  return std::optional<JournalReceipt>(std::move(r));
}

// A job's key in the settle_jobs entry `seq` (settle_group.hpp): its receipt is the one that job
// alone would have had.
Result<std::optional<JournalReceipt>> LedgerState::replay_grouped(std::uint64_t seq,
                                                                  std::string_view key,
                                                                  std::string_view op,
                                                                  std::string_view request) {
  auto e = entry(seq);
  if (!e) return pass_on(e);
  auto group = parse_settle_group(e->request);
  if (!group) return context(group.error(), "entry ", seq, " (", e->op, ")");
  auto job = std::find_if(group->jobs.begin(), group->jobs.end(),
                          [&](const GroupedSettlement& j) { return j.key == key; });
  if (e->op != kSettleGroupOp || job == group->jobs.end())
    return fail("idempotency key '", key, "' is listed for entry ", seq,
                ", which does not settle it (the grouped_keys table was edited)");
  if (op != "settle" ||
      request != settle_request_text(group->hold_id, job->job_id, job->worker, job->creator))
    return fail("idempotency key '", key, "' was already used by entry ", seq, " for a different ",
                op == "settle" ? "request" : "operation",
                " (settle, in a group); a retry must repeat the original exactly, a new operation "
                "needs a new key");
  JournalReceipt r;
  r.seq = seq;
  r.hash = e->hash;
  r.op = "settle";
  r.replayed = true;
  r.postings = settlement_postings(group->hold_id, job->worker, job->creator, job->split);
  return std::optional<JournalReceipt>(std::move(r));
}

Result<void> LedgerState::check_funds(std::span<const Posting> postings) {
  std::map<std::pair<std::string_view, Asset>, Micros> net;
  Micros sum[2] = {0, 0};
  for (const Posting& p : postings) {
    net[{p.account, p.asset}] += p.amount;
    sum[static_cast<int>(p.asset)] += p.amount;
  }
  if (sum[0] != 0 || sum[1] != 0)
    return fail("internal error: postings do not balance (credits ", sum[0], ", tokens ", sum[1],
                ")");
  for (const auto& [where, delta] : net) {
    if (delta >= 0 || where.first == journal::kMintAccount) continue;
    auto have = balance(where.first, where.second);
    if (!have) return pass_on(have);
    if (*have + delta < 0)
      return fail(where.first, " has ", format_fixed(*have, 6), " ", asset_name(where.second),
                  ", needs ", format_fixed(-delta, 6));
  }
  return {};
}

Result<JournalReceipt> LedgerState::append(std::int64_t at, std::string_view op, std::string_view key,
                                    std::string_view request, std::vector<Posting> postings) {
  if (!identity) return fail("ledger ", db.path(), " is open read-only");
  if (!in_transaction) return fail("internal error: append outside a transaction");
  const std::uint64_t seq = head_seq + 1;
  const Digest hash = journal::entry_hash(seq, head_hash, at, op, key, request, postings);
  // Signed when the transaction ends (seal_head), if it is still the head then.
  const std::span<const std::uint8_t> no_signature;

  auto je = statement(
      "INSERT INTO journal(seq, at, op, idem_key, request, prev_hash, hash, signature) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  if (!je) return pass_on(je);
  (*je)
      ->bind(1, static_cast<std::int64_t>(seq))
      .bind(2, at)
      .bind(3, op)
      .bind(4, key)
      .bind(5, request)
      .bind_blob(6, head_hash)
      .bind_blob(7, hash)
      .bind_blob(8, no_signature);
  if (auto r = (*je)->run(); !r) return storage_error(r.error());

  auto jp =
      statement("INSERT INTO postings(seq, idx, account, asset, amount) VALUES(?, ?, ?, ?, ?)");
  if (!jp) return pass_on(jp);
  for (std::size_t i = 0; i < postings.size(); ++i) {
    const Posting& p = postings[i];
    (*jp)
        ->bind(1, static_cast<std::int64_t>(seq))
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, p.account)
        .bind(4, static_cast<std::int64_t>(p.asset))
        .bind(5, p.amount);
    if (auto r = (*jp)->run(); !r) return storage_error(r.error());
    auto cached = cached_balance(p.account, p.asset);
    if (!cached) return pass_on(cached);
    (*cached)->amount += p.amount;
    (*cached)->dirty = true;
  }
  head_seq = seq;
  head_hash = hash;
  head_unsigned = true;

  JournalReceipt receipt;
  receipt.seq = seq;
  receipt.hash = hash;
  receipt.op = std::string(op);
  receipt.hold_id = op == "hold" ? static_cast<std::int64_t>(seq) : 0;
  receipt.postings = std::move(postings);
  return receipt;
}

Result<void> LedgerState::seal_head() {
  if (!head_unsigned) return {};
  if (!in_transaction) return fail("internal error: sealing outside a transaction");
  const Signature signature = identity->sign(std::span<const std::uint8_t>(head_hash));
  auto st = statement("UPDATE journal SET signature = ? WHERE seq = ?");
  if (!st) return pass_on(st);
  (*st)->bind_blob(1, signature).bind(2, static_cast<std::int64_t>(head_seq));
  if (auto r = (*st)->run(); !r) return storage_error(r.error());
  head_unsigned = false;
  return {};
}

Result<void> check_key(std::string_view key) {
  if (key.empty()) return fail("the idempotency key is empty");
  if (key.size() > kMaxIdLength)
    return fail("idempotency key '", key.substr(0, 40), "...' is longer than ", kMaxIdLength,
                " characters");
  return {};
}

Result<void> check_time(std::int64_t at) {
  if (at < 0 || at > kMaxTime) return fail("time ", at, " is not a unix time in seconds");
  return {};
}

Result<void> check_amount(std::string_view what, Micros amount) {
  if (amount <= 0 || amount > kMaxAmount)
    return fail(what, " ", format_fixed(amount, 6), " must be above 0 and at most ",
                format_fixed(kMaxAmount, 6));
  return {};
}

Result<void> check_id(std::string_view what, std::string_view id) {
  if (id.empty()) return fail(what, " is empty");
  if (id.size() > kMaxIdLength)
    return fail(what, " '", id.substr(0, 40), "...' is longer than ", kMaxIdLength, " characters");
  return {};
}

Result<void> check_role(std::string_view field, std::string_view account, AccountKind kind) {
  auto parsed = parse_account(account);
  if (!parsed) return context(parsed.error(), field);
  if (*parsed != kind)
    return fail(field, " '", account, "' is not a ", kind_name(kind), " account (",
                account_id(kind, "NAME"), ")");
  return {};
}

Result<void> check_staker(std::string_view field, std::string_view account) {
  auto parsed = parse_account(account);
  if (!parsed) return context(parsed.error(), field);
  if (*parsed != AccountKind::worker && *parsed != AccountKind::validator)
    return fail(field, " '", account,
                "' is not an account that can bond tokens (worker:NAME or validator:NAME)");
  return {};
}

}  // namespace seedgrid::treasury
