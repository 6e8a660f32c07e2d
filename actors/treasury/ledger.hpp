#pragma once
// The treasury ledger: credits and tokens for users, workers, model creators, validators, the
// platform and the burn, kept as an append-only, hash-chained, signed journal of double-entry
// transactions in SQLite (WAL, synchronous=FULL) — see operations.hpp for what each operation does.
//
// Guarantees
// - Conservation per asset after every transaction:
//     sum of balances + stakes + holds + burned = minted,
//   where minted is a journal fact (Deposit mints credits, CloseEpoch mints tokens).
// - An operation is applied whole or not at all; an invalid one is rejected with an error naming
//   what is wrong and changes nothing (not even in a batch: the others still apply).
// - Idempotency: every operation's key is applied once (operations.hpp).
// - Each entry stores the hash of the previous entry; the last entry of each transaction stores the
//   treasury's Ed25519 signature of its own hash, which the chain extends to the entries before it,
//   so anyone with the database and the treasury's public key can check the whole history
//   (verify.hpp). Entry 1 (genesis) records the treasury's public key and the config.
// - No clock is read: operations carry their time.
//
// A Ledger is not thread-safe: one owner (the treasury actor) calls it. The database may be read
// by other processes (WAL) while it runs.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/treasury/operations.hpp"
#include "actors/treasury/pricing.hpp"
#include "actors/treasury/treasury_config.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::treasury {

struct Balance {
  std::string account;
  Asset asset = Asset::credits;
  Micros amount = 0;
  bool operator==(const Balance&) const = default;
};

struct HoldInfo {
  std::int64_t id = 0;
  std::string request_id;
  std::string payer;
  QuoteRequest request;
  Micros per_job = 0;
  int jobs = 0;
  int finalized_jobs = 0;  // settled, paid as cancelled or refunded
  Micros remaining = 0;
  bool released = false;
};

struct OpenHoldOf {
  std::int64_t id = 0;
  std::string request_id;
  bool operator==(const OpenHoldOf&) const = default;
};

// An open hold as an operator lists it (`seedgrid ledger holds`): the escrow still held for a
// request, and which coordinator ordered it (empty for a hold placed before holds named one).
struct OpenHoldListing {
  std::int64_t id = 0;
  std::string request_id, payer, coordinator;
  std::int64_t placed_at = 0;  // unix seconds of the hold's entry
  int jobs = 0;
  int finalized_jobs = 0;  // settled, paid as cancelled or refunded
  Micros remaining = 0;
};

struct Unbonding {
  std::int64_t id = 0;
  Micros amount = 0;
  std::int64_t release_at = 0;  // unix seconds from which Withdraw returns it
};

struct StakeInfo {
  Micros bonded = 0;
  std::vector<Unbonding> unbonding;   // oldest first
  bool serves_fast = false;           // bonded >= config.min_stake_fast
  std::int64_t platform_fee_ppm = 0;  // the fee its settlements pay now
};

// Per asset: the parts of the conservation equation.
struct Conservation {
  Asset asset = Asset::credits;
  Micros minted = 0;    // from the journal's mint postings
  Micros balances = 0;  // user, worker, creator, validator and platform accounts
  Micros stakes = 0;    // bonded and unbonding
  Micros holds = 0;     // escrow
  Micros burned = 0;
  bool holds_exactly() const { return balances + stakes + holds + burned == minted; }
};

struct JournalEntry {
  std::uint64_t seq = 0;
  std::int64_t at = 0;
  std::string op;
  std::string key;
  std::string request;  // the canonical text of the operation (what was signed)
  Digest hash{};
  std::vector<Posting> postings;
};

struct LedgerState;  // ledger_state.hpp

class Ledger {
 public:
  // Opens (or creates, with a genesis entry) the ledger at `path`. A database created by another
  // treasury key is refused. A config different from the one in force is journaled as a
  // "configure" entry, so the rules each entry ran under stay part of the signed history.
  // `durability` none skips every fsync: for the simulator's throw-away ledger only.
  static Result<Ledger> open(const std::string& path, const Identity& treasury,
                             const TreasuryConfig& config,
                             storage::Durability durability = storage::Durability::full);
  // Opens an existing ledger under the config in force (for tools and restarts that do not carry
  // the economics); a missing ledger is an error.
  static Result<Ledger> open_existing(const std::string& path, const Identity& treasury);
  // For reading balances and history without the treasury key; apply() is refused.
  static Result<Ledger> open_read_only(const std::string& path);

  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;
  ~Ledger();

  // Applies one operation in its own SQLite transaction (one fsync).
  Result<JournalReceipt> apply(const Operation& op);
  // Group commit: applies the operations in order in ONE SQLite transaction (one fsync), each still
  // its own hashed, signed, idempotent journal entry. Result i belongs to operation i; a rejected
  // operation changes nothing and the others still apply. If the commit itself fails (disk full,
  // I/O error) nothing is applied and every result carries that error.
  std::vector<Result<JournalReceipt>> apply_batch(std::span<const Operation> ops);

  Result<Quote> quote(const QuoteRequest& request) const;

  Result<Micros> balance(std::string_view account, Asset asset) const;
  // Every account with a non-zero balance, internal accounts included, sorted by account id.
  Result<std::vector<Balance>> balances() const;
  Result<StakeInfo> stake_of(std::string_view worker) const;
  Result<HoldInfo> hold(std::int64_t hold_id) const;
  Result<std::optional<HoldInfo>> hold_for_request(std::string_view request_id) const;
  // The holds not yet released that name `coordinator` (a key's hex) as theirs, oldest first:
  // its sweep at start (protocol::OpenHoldsReply).
  Result<std::vector<OpenHoldOf>> open_holds_ordered_by(std::string_view coordinator) const;
  // Every hold not yet released, oldest first, with what it still holds; only those of
  // `coordinator` (a key's hex) when it is given, and an empty one gives those naming none.
  Result<std::vector<OpenHoldListing>> open_holds(
      std::optional<std::string_view> coordinator = std::nullopt) const;
  // The last closed epoch, or -1 before the first.
  Result<std::int64_t> last_epoch() const;
  // Entries touching `account` (all entries if empty), newest first, at most `limit`.
  Result<std::vector<JournalEntry>> history(std::string_view account, std::size_t limit) const;
  Result<std::vector<Conservation>> conservation() const;

  const TreasuryConfig& config() const;
  const PublicKey& treasury_key() const;
  std::uint64_t head_seq() const;
  Digest head_hash() const;
  // The head as the database holds it now (another process may have appended), signed with the
  // treasury key as a checkpoint for the coordinator and validators to keep (checkpoint.cpp).
  // Refused read-only.
  Result<protocol::LedgerCheckpoint> checkpoint(std::int64_t at);

 private:
  explicit Ledger(std::unique_ptr<LedgerState> state);
  std::unique_ptr<LedgerState> state_;
};

}  // namespace seedgrid::treasury
