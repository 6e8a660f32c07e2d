#include "actors/treasury/ledger.hpp"

#include <map>
#include <set>

#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/payment_split.hpp"
#include "runtime/base/storage/transaction.hpp"

namespace seedgrid::treasury {

std::string_view asset_name(Asset asset) { return asset == Asset::credits ? "credits" : "tokens"; }

Result<Asset> parse_asset(std::string_view name) {
  if (name == "credits") return Asset::credits;
  if (name == "tokens") return Asset::tokens;
  return fail("unknown asset '", name, "' (expected credits or tokens)");
}

const std::string& key_of(const Operation& op) {
  return std::visit([](const auto& o) -> const std::string& { return o.key; }, op);
}

Micros JournalReceipt::net(std::string_view account, Asset asset) const {
  Micros sum = 0;
  for (const Posting& p : postings)
    if (p.account == account && p.asset == asset) sum += p.amount;
  return sum;
}

Micros JournalReceipt::slashed() const {
  Micros sum = 0;
  for (const Posting& p : postings)
    if (p.asset == Asset::tokens &&
        (p.account.starts_with("stake:") || p.account.starts_with("unbonding:")))
      sum -= p.amount;
  return sum;
}

namespace {

constexpr std::string_view kGenesisKey = "genesis";

Result<std::string> meta_value(LedgerState& s, std::string_view key) {
  auto st = s.statement("SELECT value FROM meta WHERE key = ?");
  if (!st) return pass_on(st);
  (*st)->bind(1, key);
  auto row = (*st)->step();
  if (!row) return pass_on(row);
  std::string value = *row ? (*st)->column_text(0) : std::string();
  (*st)->reset();
  return value;
}

Result<void> set_meta(LedgerState& s, std::string_view key, std::string_view value) {
  auto st = s.statement("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st) return pass_on(st);
  (*st)->bind(1, key).bind(2, value);
  return (*st)->run();
}

std::string genesis_request(const PublicKey& treasury, const TreasuryConfig& config) {
  return journal::RequestText().field("treasury", treasury.hex()).text() + canonical_text(config);
}

// The config in force: that of the latest genesis or configure entry.
Result<TreasuryConfig> config_in_force(LedgerState& s) {
  auto st = s.statement(
      "SELECT seq, op, request FROM journal WHERE op IN ('genesis', 'configure') "
      "ORDER BY seq DESC LIMIT 1");
  if (!st) return pass_on(st);
  auto row = (*st)->step();
  if (!row) return pass_on(row);
  if (!*row) return fail("ledger ", s.db.path(), " has no genesis entry");
  const std::int64_t seq = (*st)->column_int64(0);
  const std::string op = (*st)->column_text(1);
  std::string text = (*st)->column_text(2);
  (*st)->reset();
  if (op == "genesis") text = text.substr(text.find('\n') + 1);
  auto config = parse_canonical_text(text);
  if (!config) return context(config.error(), "config of entry ", seq, " in ", s.db.path());
  return config;
}

// The ledger's schema version, when this build reads it.
Result<int> check_schema(LedgerState& s) {
  auto version = meta_value(s, "schema_version");
  if (!version) return pass_on(version);
  for (int v = journal::kOldestSchemaVersion; v <= journal::kSchemaVersion; ++v)
    if (*version == std::to_string(v)) return v;
  return fail("ledger ", s.db.path(), " has schema version '", *version, "', this build reads ",
              journal::kOldestSchemaVersion, " to ", journal::kSchemaVersion);
}

Result<void> load_treasury_key(LedgerState& s) {
  auto hex = meta_value(s, "treasury_key");
  if (!hex) return pass_on(hex);
  auto key = PublicKey::from_hex(*hex);
  if (!key) return context(key.error(), "ledger ", s.db.path(), " meta treasury_key");
  s.treasury = *key;
  return {};
}

}  // namespace

Ledger::Ledger(std::unique_ptr<LedgerState> state) : state_(std::move(state)) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

namespace {

// Opens or creates the ledger; `config` empty means "the config in force" (and the file must
// exist).
Result<std::unique_ptr<LedgerState>> open_state(
    const std::string& path, const Identity& treasury, const TreasuryConfig* config,
    storage::Durability durability = storage::Durability::full) {
  if (config)
    if (auto r = validate(*config); !r) return pass_on(r);
  auto db = storage::Database::open(path, {.create = config != nullptr, .durability = durability});
  if (!db) return pass_on(db);
  auto s = std::make_unique<LedgerState>(std::move(*db));
  s->identity = treasury;
  s->treasury = treasury.public_key();

  auto tx = storage::Transaction::begin(s->db);
  if (!tx) return pass_on(tx);
  s->in_transaction = true;
  if (auto r = s->db.exec(journal::kSchema); !r)
    return context(r.error(), "creating the ledger schema");
  if (auto r = s->reload_head(); !r) return pass_on(r);
  if (s->head_seq == 0) {
    if (!config) return fail("ledger ", path, " is empty: create it with `seedgrid ledger init`");
    s->config = *config;
    if (auto r = set_meta(*s, "schema_version", std::to_string(journal::kSchemaVersion)); !r)
      return pass_on(r);
    if (auto r = set_meta(*s, "treasury_key", treasury.public_key().hex()); !r)
      return pass_on(r);
    auto genesis = s->append(0, "genesis", kGenesisKey, genesis_request(s->treasury, *config), {});
    if (!genesis) return context(genesis.error(), "writing the genesis entry of ", path);
  } else {
    auto version = check_schema(*s);
    if (!version) return pass_on(version);
    // The schema above created what a newer version adds; the version says it may now be used.
    if (*version < journal::kSchemaVersion)
      if (auto r = set_meta(*s, "schema_version", std::to_string(journal::kSchemaVersion)); !r)
        return pass_on(r);
    if (auto r = load_treasury_key(*s); !r) return pass_on(r);
    if (s->treasury != treasury.public_key())
      return fail("ledger ", path, " belongs to treasury key ", s->treasury.hex(),
                  ", not to the given key ", treasury.public_key().hex());
    auto current = config_in_force(*s);
    if (!current) return pass_on(current);
    s->config = *current;
    if (config && *current != *config) {
      s->config = *config;
      const std::string key = message_of("configure/", s->head_seq + 1);
      if (auto r = s->append(0, "configure", key, canonical_text(*config), {}); !r)
        return context(r.error(), "journaling the new config of ", path);
    }
  }
  if (auto r = s->seal_head(); !r) return pass_on(r);
  if (auto r = s->flush_balances(); !r) return pass_on(r);
  s->forget_balances();
  s->in_transaction = false;
  if (auto r = tx->commit(); !r) return pass_on(r);
  return s;
}

}  // namespace

Result<Ledger> Ledger::open(const std::string& path, const Identity& treasury,
                            const TreasuryConfig& config, storage::Durability durability) {
  auto s = open_state(path, treasury, &config, durability);
  if (!s) return pass_on(s);
  return Ledger(std::move(*s));
}

Result<Ledger> Ledger::open_existing(const std::string& path, const Identity& treasury) {
  auto s = open_state(path, treasury, nullptr);
  if (!s) return pass_on(s);
  return Ledger(std::move(*s));
}

Result<Ledger> Ledger::open_read_only(const std::string& path) {
  auto db = storage::Database::open(path, {.read_only = true});
  if (!db) return pass_on(db);
  auto s = std::make_unique<LedgerState>(std::move(*db));
  if (auto r = check_schema(*s); !r) return context(r.error(), "is it a seedgrid ledger?");
  if (auto r = load_treasury_key(*s); !r) return pass_on(r);
  auto config = config_in_force(*s);
  if (!config) return pass_on(config);
  s->config = *config;
  if (auto r = s->reload_head(); !r) return pass_on(r);
  return Ledger(std::move(s));
}

Result<JournalReceipt> Ledger::apply(const Operation& op) {
  return std::move(apply_batch(std::span<const Operation>(&op, 1)).front());
}

namespace {

// A run of settlements split into groups of one hold, one time and distinct jobs, in the order of
// each group's first settlement (indices into the run). A hold's settlements keep their order: one
// at another time, or of a job already in the hold's group, starts a new group after every group so
// far, and so does one whose key was seen before in the run, so that it is answered as it would be
// in order (as a retry of the first, or refused).
std::vector<std::vector<std::size_t>> settle_groups(std::span<const Operation> run) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<std::set<std::string_view>> jobs;
  std::map<std::int64_t, std::size_t> open;  // hold -> its latest group
  std::set<std::string_view> keys;
  for (std::size_t k = 0; k < run.size(); ++k) {
    const auto& op = std::get<SettleJob>(run[k]);
    auto it = open.find(op.hold_id);
    if (it == open.end() || std::get<SettleJob>(run[groups[it->second].front()]).at != op.at ||
        jobs[it->second].contains(op.job_id) || keys.contains(op.key)) {
      groups.emplace_back();
      jobs.emplace_back();
      it = open.insert_or_assign(op.hold_id, groups.size() - 1).first;
    }
    groups[it->second].push_back(k);
    jobs[it->second].insert(op.job_id);
    keys.insert(op.key);
  }
  return groups;
}

}  // namespace

std::vector<Result<JournalReceipt>> Ledger::apply_batch(std::span<const Operation> ops) {
  LedgerState& s = *state_;
  auto all_fail = [&](const Error& e) {
    return std::vector<Result<JournalReceipt>>(ops.size(), std::unexpected(e));
  };
  if (!s.identity) return all_fail(Error{message_of("ledger ", s.db.path(), " is open read-only")});
  auto tx = storage::Transaction::begin(s.db);
  if (!tx) return all_fail(tx.error());
  s.in_transaction = true;
  s.storage_failed = false;  // a failed read between batches does not taint this one
  // A storage failure undoes the whole batch, in the database and in memory.
  auto abandon = [&](const Error& e) {
    (void)tx->rollback();
    s.storage_failed = false;
    s.in_transaction = false;
    s.forget_balances();
    (void)s.reload_head();
    return all_fail(e);
  };
  // Another process (the CLI) may have appended since our last batch: BEGIN IMMEDIATE holds the
  // write lock, so the head read now is the one this batch extends.
  if (auto r = s.reload_head(); !r) return abandon(r.error());
  s.keep_balances_if_head_unchanged();
  std::vector<Result<JournalReceipt>> results(ops.size(), fail("internal error: not applied"));
  for (std::size_t i = 0; i < ops.size();) {
    if (!std::holds_alternative<SettleJob>(ops[i])) {
      results[i] = std::visit([&](const auto& o) { return apply_op(s, o); }, ops[i]);
      if (s.storage_failed)
        return abandon(results[i] ? Error{"a storage error interrupted the batch"}
                                  : results[i].error());
      ++i;
      continue;
    }
    // A run of settlements: those of one hold are written as one entry (settle_group.hpp).
    // Settlements of different holds touch different holds and only add to their payees, so
    // taking a run hold by hold leaves every outcome as it was in order.
    std::size_t end = i;
    while (end < ops.size() && std::holds_alternative<SettleJob>(ops[end])) ++end;
    for (const auto& group : settle_groups(ops.subspan(i, end - i))) {
      std::vector<const SettleJob*> members;
      for (std::size_t k : group) members.push_back(&std::get<SettleJob>(ops[i + k]));
      auto applied = apply_settle_group(s, members);
      if (s.storage_failed) return abandon(Error{"a storage error interrupted the batch"});
      for (std::size_t m = 0; m < group.size(); ++m) results[i + group[m]] = std::move(applied[m]);
    }
    i = end;
  }
  if (auto r = s.seal_head(); !r) return abandon(r.error());
  if (auto r = s.flush_balances(); !r) return abandon(r.error());
  s.in_transaction = false;
  if (auto r = tx->commit(); !r) {
    // The rollback inside commit() undid everything: the in-memory head and balances must follow.
    s.forget_balances();
    (void)s.reload_head();
    return all_fail(r.error());
  }
  s.keep_balances_committed();
  return results;
}

Result<Quote> Ledger::quote(const QuoteRequest& request) const {
  return treasury::quote(state_->config, request);
}

Result<Micros> Ledger::balance(std::string_view account, Asset asset) const {
  return state_->balance(account, asset);
}

Result<std::vector<Balance>> Ledger::balances() const {
  auto st = state_->statement(
      "SELECT account, asset, amount FROM balances WHERE amount != 0 ORDER BY account, asset");
  if (!st) return pass_on(st);
  std::vector<Balance> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    out.push_back({(*st)->column_text(0), static_cast<Asset>((*st)->column_int64(1)),
                   (*st)->column_int64(2)});
  }
  (*st)->reset();
  return out;
}

Result<StakeInfo> Ledger::stake_of(std::string_view worker) const {
  if (auto r = check_staker("staker", worker); !r) return pass_on(r);
  StakeInfo info;
  auto bonded = state_->balance(journal::stake_account(worker), Asset::tokens);
  if (!bonded) return pass_on(bonded);
  info.bonded = *bonded;
  auto unbonding = list_unbonding(*state_, worker);
  if (!unbonding) return pass_on(unbonding);
  info.unbonding = std::move(*unbonding);
  info.serves_fast = info.bonded >= state_->config.min_stake_fast;
  info.platform_fee_ppm = platform_fee_ppm(state_->config, info.bonded);
  return info;
}

namespace {
Result<HoldInfo> hold_info(LedgerState& s, const HoldRow& row) {
  auto remaining = s.balance(journal::hold_account(row.id), Asset::credits);
  if (!remaining) return pass_on(remaining);
  return HoldInfo{row.id,   row.request_id, row.payer,  row.request, row.per_job,
                  row.jobs, row.finalized,  *remaining, row.released};
}
}  // namespace

Result<HoldInfo> Ledger::hold(std::int64_t hold_id) const {
  auto row = state_->hold(hold_id);
  if (!row) return pass_on(row);
  if (!*row) return fail("hold ", hold_id, " does not exist");
  return hold_info(*state_, **row);
}

Result<std::optional<HoldInfo>> Ledger::hold_for_request(std::string_view request_id) const {
  auto st = state_->statement("SELECT id FROM holds WHERE request_id = ?");
  if (!st) return pass_on(st);
  (*st)->bind(1, request_id);
  auto row = (*st)->step();
  if (!row) return pass_on(row);
  const std::int64_t id = *row ? (*st)->column_int64(0) : 0;
  (*st)->reset();
  if (id == 0) return std::optional<HoldInfo>{};
  auto info = hold(id);
  if (!info) return pass_on(info);
  return std::optional<HoldInfo>(std::move(*info));
}

namespace {
// The holds not yet released, oldest first, with the coordinator their entry names and, with
// `holdings`, what each still holds: one read, however many holds (the open_holds index keeps it
// to the open ones, however long the ledger).
Result<std::vector<OpenHoldListing>> open_hold_rows(LedgerState& s, bool holdings) {
  static const std::string kRead =
      "SELECT holds.id, holds.request_id, journal.request, journal.at FROM holds JOIN journal ON "
      "journal.seq = holds.id WHERE holds.released = 0 ORDER BY holds.id";
  static const std::string kReadHoldings = message_of(
      "SELECT holds.id, holds.request_id, journal.request, journal.at, holds.payer, holds.jobs, "
      "holds.finalized, COALESCE(balances.amount, 0) FROM holds JOIN journal ON journal.seq = "
      "holds.id LEFT JOIN balances ON balances.account = '",
      journal::kHoldAccountPrefix,
      "' || holds.id AND balances.asset = ", static_cast<int>(Asset::credits),
      " WHERE holds.released = 0 ORDER BY holds.id");
  auto st = s.statement(holdings ? kReadHoldings : kRead);
  if (!st) return pass_on(st);
  storage::Statement& q = **st;
  const storage::ResetAtExit done{q};
  std::vector<OpenHoldListing> out;
  for (;;) {
    auto row = q.step();
    if (!row) return pass_on(row);
    if (!*row) break;
    OpenHoldListing hold;
    hold.id = q.column_int64(0);
    hold.request_id = q.column_text(1);
    hold.placed_at = q.column_int64(3);
    if (holdings) {
      hold.payer = q.column_text(4);
      hold.jobs = static_cast<int>(q.column_int64(5));
      hold.finalized_jobs = static_cast<int>(q.column_int64(6));
      hold.remaining = q.column_int64(7);
    }
    auto fields = journal::request_fields(q.column_text(2));
    if (!fields) return context(fields.error(), "hold ", hold.id);
    for (auto& [name, value] : *fields)
      if (name == "coordinator") hold.coordinator = std::move(value);
    out.push_back(std::move(hold));
  }
  return out;
}
}  // namespace

Result<std::vector<OpenHoldOf>> Ledger::open_holds_ordered_by(std::string_view coordinator) const {
  auto rows = open_hold_rows(*state_, /*holdings=*/false);
  if (!rows) return pass_on(rows);
  std::vector<OpenHoldOf> out;
  // A hold that names no coordinator (an older build's) is no coordinator's to sweep.
  for (OpenHoldListing& row : *rows)
    if (!row.coordinator.empty() && row.coordinator == coordinator)
      out.push_back({row.id, std::move(row.request_id)});
  return out;
}

Result<std::vector<OpenHoldListing>> Ledger::open_holds(
    std::optional<std::string_view> coordinator) const {
  auto rows = open_hold_rows(*state_, /*holdings=*/true);
  if (!rows || !coordinator) return rows;
  std::erase_if(*rows, [&](const OpenHoldListing& h) { return h.coordinator != *coordinator; });
  return rows;
}

Result<std::int64_t> Ledger::last_epoch() const {
  auto st = state_->statement("SELECT MAX(epoch) FROM epochs");
  if (!st) return pass_on(st);
  auto row = (*st)->step();
  if (!row) return pass_on(row);
  const std::int64_t epoch = (*row && !(*st)->column_is_null(0)) ? (*st)->column_int64(0) : -1;
  (*st)->reset();
  return epoch;
}

Result<std::vector<JournalEntry>> Ledger::history(std::string_view account,
                                                  std::size_t limit) const {
  auto st =
      account.empty()
          ? state_->statement("SELECT seq FROM journal ORDER BY seq DESC LIMIT ?")
          : state_->statement(
                "SELECT DISTINCT seq FROM postings WHERE account = ? ORDER BY seq DESC LIMIT ?");
  if (!st) return pass_on(st);
  const auto n = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
  if (account.empty())
    (*st)->bind(1, n);
  else
    (*st)->bind(1, account).bind(2, n);
  std::vector<std::uint64_t> seqs;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    seqs.push_back(static_cast<std::uint64_t>((*st)->column_int64(0)));
  }
  (*st)->reset();
  std::vector<JournalEntry> out;
  for (std::uint64_t seq : seqs) {
    auto e = state_->entry(seq);
    if (!e) return pass_on(e);
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<Conservation>> Ledger::conservation() const {
  std::vector<Conservation> out = {{.asset = Asset::credits}, {.asset = Asset::tokens}};
  auto minted = state_->statement(
      "SELECT asset, -SUM(amount) FROM postings WHERE account = 'mint' GROUP BY asset");
  if (!minted) return pass_on(minted);
  for (;;) {
    auto row = (*minted)->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    const auto asset = (*minted)->column_int64(0);
    if (asset != 0 && asset != 1) return fail("postings hold unknown asset ", asset);
    out[static_cast<std::size_t>(asset)].minted = (*minted)->column_int64(1);
  }
  (*minted)->reset();
  auto all = balances();
  if (!all) return pass_on(all);
  for (const Balance& b : *all) {
    Conservation& c = out[static_cast<std::size_t>(b.asset)];
    const std::string_view a = b.account;
    if (a == journal::kMintAccount) continue;
    if (a == kBurnAccount)
      c.burned += b.amount;
    else if (a.starts_with("hold:"))
      c.holds += b.amount;
    else if (a.starts_with("stake:") || a.starts_with("unbonding:"))
      c.stakes += b.amount;
    else if (parse_account(a))
      c.balances += b.amount;
    else
      return fail("balance table holds unknown account '", a, "'");
  }
  return out;
}

const TreasuryConfig& Ledger::config() const { return state_->config; }
const PublicKey& Ledger::treasury_key() const { return state_->treasury; }
std::uint64_t Ledger::head_seq() const { return state_->head_seq; }
Digest Ledger::head_hash() const { return state_->head_hash; }

}  // namespace seedgrid::treasury
