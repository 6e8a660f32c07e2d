#pragma once
// Internals of Ledger shared by the files that implement its operations (not for other modules).
//
// Discipline of every operation: first all checks and reads, then — only when the operation is
// valid — append() and the working-state writes. So a rejected operation never wrote anything and
// needs no savepoint, even inside a batch. A SQLite failure at any point is different: it marks the
// state `storage_failed`, and the batch rolls back as a whole.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/treasury/accounts.hpp"
#include "actors/treasury/journal.hpp"
#include "actors/treasury/ledger.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::treasury {

// Inputs are bounded so that no sum of balances can overflow 64 bits.
inline constexpr Micros kMaxAmount = Micros{1} << 56;
inline constexpr Micros kMaxSupply = Micros{1} << 62;
inline constexpr std::int64_t kMaxTime = std::int64_t{1} << 40;
inline constexpr std::size_t kMaxIdLength = 256;

struct HoldRow {
  std::int64_t id = 0;
  std::string request_id, payer;
  QuoteRequest request;
  Micros per_job = 0;
  int jobs = 0, finalized = 0;
  bool released = false;
};

struct JobRow {
  std::int64_t seq = 0;
  std::string outcome, worker;
  Micros paid = 0;
  bool clawed_back = false;
};

struct LedgerState {
  storage::Database db;
  std::optional<Identity> identity;  // absent when opened read-only
  PublicKey treasury;
  TreasuryConfig config;
  std::uint64_t head_seq = 0;
  Digest head_hash{};
  bool head_unsigned = false;  // the head was appended in the open transaction, not yet signed
  bool storage_failed = false;
  // True inside apply_batch (and the opening transaction): only then are balances cached, so a
  // long-lived reader never sees a stale balance.
  bool in_transaction = false;

  explicit LedgerState(storage::Database database) : db(std::move(database)) {}

  // A SQLite error: marks the batch for rollback and passes the error on.
  std::unexpected<Error> storage_error(const Error& e);
  // The prepared statement for this SQL text (prepared once, kept for the life of the ledger).
  Result<storage::Statement*> statement(std::string_view sql);

  // Reads. Balances go through a write-back cache for the open transaction (see below).
  Result<Micros> balance(std::string_view account, Asset asset);
  Result<std::optional<HoldRow>> hold(std::int64_t id);
  Result<std::optional<JobRow>> job(std::int64_t hold_id, std::string_view job_id);
  Result<Micros> minted(Asset asset);
  Result<JournalEntry> entry(std::uint64_t seq);
  Result<void> reload_head();

  // The idempotency check: a receipt when `key` was applied before (alone or listed in a
  // settle_jobs entry) with the same op and request, nothing when the key is new, an error naming
  // the key when it was used for something else. `earlier_request`, when given, is the same
  // request as an older build wrote it, accepted as the same.
  Result<std::optional<JournalReceipt>> replay(std::string_view key, std::string_view op,
                                               std::string_view request,
                                               std::string_view earlier_request = {});
  // Rejects postings that would overdraw an account (every account but mint must stay >= 0).
  Result<void> check_funds(std::span<const Posting> postings);
  // Writes the entry (hash, no signature yet) and its postings, applies the postings to the cached
  // balances, and advances the head.
  Result<JournalReceipt> append(std::int64_t at, std::string_view op, std::string_view key,
                         std::string_view request, std::vector<Posting> postings);

  // Signs the head entry if this transaction appended it. Called before every COMMIT: only the last
  // entry of a transaction carries a signature, which covers the entries before it through their
  // hash chain (journal.hpp), so a batch of N entries costs one Ed25519 signature instead of N.
  Result<void> seal_head();

  // Group commit writes each touched balance row once per transaction, not once per posting: the
  // cache holds every balance read or changed. flush_balances() writes the changed ones (before
  // COMMIT); forget_balances() drops the cache (after a ROLLBACK). After a COMMIT,
  // keep_balances_committed() keeps the cache for the next transaction, which calls
  // keep_balances_if_head_unchanged() once it has read the head: every write to a balance appends
  // an entry, so a head that is still the one this ledger committed means no other writer (the
  // CLI) changed a balance in between. The balances the workers, creators and fees share are then
  // not read again at every batch (each read a round trip on PostgreSQL).
  Result<void> flush_balances();
  void forget_balances();
  void keep_balances_committed();
  void keep_balances_if_head_unchanged();
  // An account no entry has touched yet (a new hold's) starts at zero in the cache, unread.
  void note_new_account(std::string account, Asset asset);

 private:
  // replay() of a key the settle_jobs entry `seq` lists (settle_group.hpp).
  Result<std::optional<JournalReceipt>> replay_grouped(std::uint64_t seq, std::string_view key,
                                                       std::string_view op,
                                                       std::string_view request);
  struct CachedBalance {
    Micros amount = 0;
    bool dirty = false;
  };
  Result<Micros> stored_balance(std::string_view account, Asset asset);
  Result<CachedBalance*> cached_balance(std::string_view account, Asset asset);

  std::map<std::string, storage::Statement, std::less<>> statements_;
  std::map<std::pair<std::string, Asset>, CachedBalance> balances_;
  // The head the kept balances were committed with (keep_balances_committed).
  std::optional<std::pair<std::uint64_t, Digest>> balances_head_;
};

// The receipt (or error) of a replay() that found the key:
//   if (auto prior = s.replay(key, op, request); !prior || *prior) return
//   replayed(std::move(prior));
inline Result<JournalReceipt> replayed(Result<std::optional<JournalReceipt>>&& prior) {
  if (!prior) return pass_on(prior);
  return std::move(**prior);
}

// Validation helpers shared by the operations; errors name the field and the value.
Result<void> check_key(std::string_view key);
Result<void> check_time(std::int64_t at);
Result<void> check_amount(std::string_view what, Micros amount);
Result<void> check_id(std::string_view what, std::string_view id);
Result<void> check_role(std::string_view field, std::string_view account, AccountKind kind);
// Who may bond tokens: a worker (its fast tier) or a validator (its admission; slashed when an
// appeal overturns its verdict).
Result<void> check_staker(std::string_view field, std::string_view account);

// The worker's unbonding entries that still hold tokens, oldest first (staking.cpp).
Result<std::vector<Unbonding>> list_unbonding(LedgerState& s, std::string_view worker);

// One function per operation (transfers.cpp, escrow.cpp, staking.cpp, epochs.cpp).
Result<JournalReceipt> apply_op(LedgerState& s, const Deposit& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Transfer& op);
Result<JournalReceipt> apply_op(LedgerState& s, const OpenHold& op);
Result<JournalReceipt> apply_op(LedgerState& s, const SettleJob& op);
// Settlements of one hold at one time, distinct jobs: one settle_jobs entry for those the checks
// accept (settle_group.hpp), a lone entry when only one is; a result per operation, in order.
std::vector<Result<JournalReceipt>> apply_settle_group(LedgerState& s,
                                                       std::span<const SettleJob* const> ops);
Result<JournalReceipt> apply_op(LedgerState& s, const PayCancelledJob& op);
Result<JournalReceipt> apply_op(LedgerState& s, const RefundJob& op);
Result<JournalReceipt> apply_op(LedgerState& s, const ReleaseHold& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Slash& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Stake& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Unstake& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Withdraw& op);
Result<JournalReceipt> apply_op(LedgerState& s, const CloseEpoch& op);
Result<JournalReceipt> apply_op(LedgerState& s, const Configure& op);

}  // namespace seedgrid::treasury
