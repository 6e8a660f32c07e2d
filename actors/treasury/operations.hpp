#pragma once
// The operations the ledger applies. Each becomes one journal entry: a balanced set of postings
// (double entry: per asset they sum to zero), the hash of the previous entry, and the treasury's
// signature.
//
// Every operation carries
//   key  its idempotency key (e.g. "settle/<job id>/<attempt>"): applying the same key with the
//   same
//        content again returns the original receipt (marked replayed) and changes nothing; the same
//        key with different content is an error naming the key. Content excludes `at`, so a retry
//        stamped later is still the same operation.
//   at   unix seconds, supplied by the caller: the ledger never reads a clock, so a replay of the
//        same operations produces the same journal, byte for byte.
// Accounts are full account ids (actors/treasury/accounts.hpp). Amounts are micro-units.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/treasury/pricing.hpp"
#include "actors/treasury/treasury_config.hpp"
#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::treasury {

enum class Asset : std::uint8_t { credits = 0, tokens = 1 };
std::string_view asset_name(Asset asset);  // "credits" / "tokens"
Result<Asset> parse_asset(std::string_view name);

// A purchase: mints `amount` credits into a user account (the payment itself happens off-ledger).
struct Deposit {
  std::string key{};
  std::int64_t at = 0;
  std::string account{};  // user:NAME
  Micros amount = 0;
};

// Tokens move between any two accounts. Credits never leave or enter a user account this way
// (credits are not transferable between users); other roles may move credits among themselves.
struct Transfer {
  std::string key{};
  std::int64_t at = 0;
  Asset asset = Asset::tokens;
  std::string from{}, to{};
  Micros amount = 0;
};

// Escrow: quotes the request and moves the full quote from the payer to a new hold. The receipt's
// hold_id names the hold (it is the seq of this entry). One hold per request id.
struct OpenHold {
  std::string key{};
  std::int64_t at = 0;
  std::string payer{};  // user:NAME
  std::string request_id{};
  QuoteRequest request;
  // The key (hex) of the coordinator that ordered it, or empty; Ledger::open_holds_ordered_by.
  std::string coordinator{};
};

// A finished job: its price leaves the hold as worker share, creator royalty, platform fee and the
// burned part of the fee (TreasuryConfig). `creator` may be empty (a model without a registered
// creator): the royalty then goes to the worker. Each job id is finalised once per hold.
struct SettleJob {
  std::string key{};
  std::int64_t at = 0;
  std::int64_t hold_id = 0;
  std::string job_id{};
  std::string worker{};   // worker:NAME
  std::string creator{};  // creator:NAME or empty
};

// A cancelled job: pays floor(price x completed / steps) split as for SettleJob; the rest of the
// job's price stays in the hold until ReleaseHold.
struct PayCancelledJob {
  std::string key{};
  std::int64_t at = 0;
  std::int64_t hold_id = 0;
  std::string job_id{};
  std::string worker{};
  std::string creator{};
  int completed_steps = 0;
};

// A failed job: its price goes back from the hold to the payer.
struct RefundJob {
  std::string key{};
  std::int64_t at = 0;
  std::int64_t hold_id = 0;
  std::string job_id{};
};

// The end of a request: whatever is left in the hold goes back to the payer and the hold closes.
struct ReleaseHold {
  std::string key{};
  std::int64_t at = 0;
  std::int64_t hold_id = 0;
};

// A failed audit verdict, applied once per verdict id. Tokens: config.slash_ppm of the worker's
// whole stake (bonded first, then unbonding entries oldest first) is taken; the validator gets
// slash_bounty_ppm of it, the rest is burned. Credits: when hold_id/job_id name the audited job and
// it was settled or paid as cancelled to this worker, the payer gets back what that job cost,
// taken from the worker's credit balance first and from the platform's for any shortfall; what
// neither can cover is left unrefunded (visible in the receipt's postings).
struct Slash {
  std::string key{};
  std::int64_t at = 0;
  std::string verdict_id{};
  std::string worker{};
  std::string validator{};   // validator:NAME
  std::int64_t hold_id = 0;  // 0: no refund
  std::string job_id{};
};

// Bonds tokens of a worker account as its stake.
struct Stake {
  std::string key{};
  std::int64_t at = 0;
  std::string worker{};
  Micros amount = 0;
};

// Starts the cool-down of part of a worker's bonded stake. During config.unbonding_seconds it still
// counts for slashing but not for rewards or the fast-tier minimum.
struct Unstake {
  std::string key{};
  std::int64_t at = 0;
  std::string worker{};
  Micros amount = 0;
};

// Returns every unbonding entry of the worker whose cool-down has ended by `at` to its balance.
struct Withdraw {
  std::string key{};
  std::int64_t at = 0;
  std::string worker{};
};

struct WorkerService {
  std::string worker{};
  std::int64_t speed_millis = 0;     // H: measured milli-render-seconds per second
  std::int64_t serving_seconds = 0;  // T: time spent serving in the epoch
};

struct ModelUsage {
  std::string model_id{};
  std::string creator{};           // creator:NAME
  std::int64_t render_millis = 0;  // milli-render-seconds rendered with the model in the epoch
};

// Mints the epoch's reward (actors/treasury/rewards.hpp has the formula and the rounding rule).
// Epochs close one after another: closing N+2 after N would silently lose N+1's emission, so a
// gap is refused unless `skip` says the epochs between are given up (they mint nothing; the entry
// records skip=1, and its epoch and the one closed before it say which). The stake P_i of each
// worker is its bonded stake in this ledger at the moment of closing, never a caller's claim.
struct CloseEpoch {
  std::string key{};
  std::int64_t at = 0;
  std::int64_t epoch = 0;
  std::vector<WorkerService> workers{};
  std::vector<ModelUsage> models{};
  bool skip = false;
};

// Changes the economics: `config` is in force from this entry on (journaled and signed like every
// operation). `seedgrid ledger configure` builds it as a patch of the config in force.
struct Configure {
  std::string key{};
  std::int64_t at = 0;
  TreasuryConfig config{};
};

using Operation = std::variant<Deposit, Transfer, OpenHold, SettleJob, PayCancelledJob, RefundJob,
                               ReleaseHold, Slash, Stake, Unstake, Withdraw, CloseEpoch, Configure>;

// The idempotency key of any operation.
const std::string& key_of(const Operation& op);

// One line of double entry: `amount` added to `account` (negative: taken from it).
struct Posting {
  std::string account{};
  Asset asset = Asset::credits;
  Micros amount = 0;
  bool operator==(const Posting&) const = default;
};

// What an applied operation did: its journal entry and postings.
struct JournalReceipt {
  std::uint64_t seq = 0;
  Digest hash{};
  std::string op;            // "deposit", "settle", ... (the journal's op name)
  bool replayed = false;     // true: the key had been applied before; nothing changed now
  std::int64_t hold_id = 0;  // OpenHold: the new hold's id
  Micros per_job = 0;        // OpenHold applied now: what each job may charge (not on a replay)
  std::vector<Posting> postings{};
  // Net amount of `asset` this entry moved into `account` (negative: out of it). E.g. for a
  // settlement: net(worker, credits), net(creator, credits), net("platform", credits),
  // net("burn", credits); for a slash: net(payer, credits) refunded, net(validator, tokens) bounty.
  Micros net(std::string_view account, Asset asset) const;
  // Tokens this entry took from stakes (bonded and unbonding): a slash's size.
  Micros slashed() const;
};

}  // namespace seedgrid::treasury
