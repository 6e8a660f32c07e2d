#pragma once
// The on-disk form of the ledger, shared by the writer (ledger.cpp) and the verifier (verify.cpp).
//
// An entry's hash is BLAKE2b-256 over, in order (integers 8 bytes little-endian, text and bytes
// prefixed by their length as an integer):
//   "seedgrid/ledger/entry/v1", seq, prev_hash (32 bytes), at, op, key, request,
//   number of postings, then per posting: account, asset, amount (two's complement)
// and the treasury signs those 32 bytes with Ed25519. Entry 1's prev_hash is all zeros.
// Only the last entry each transaction writes is signed; the others store an empty signature. The
// signed entry's hash covers every entry before it through the prev_hash chain, so altering an
// unsigned entry breaks the next signature just as altering a signed one breaks its own. A ledger
// written when every entry was signed verifies unchanged.
// `request` is the operation's canonical text (RequestText): "name=value" lines in a fixed order,
// with '%' and newlines in values escaped as %25 and %0A. It excludes `at` (see operations.hpp).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/treasury/operations.hpp"
#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::treasury::journal {

// Version 2 added settle_jobs entries and grouped_keys (settle_group.hpp). A version 1 ledger is
// upgraded when a treasury of this version opens it for writing (it has no such entries yet);
// a build of version 1 refuses a version 2 ledger rather than misread its grouped entries.
inline constexpr int kSchemaVersion = 2;
inline constexpr int kOldestSchemaVersion = 1;

// Tables. journal + postings are the signed history; balances is the running state verify
// re-derives; holds, hold_jobs, grouped_keys, unbonding, verdicts and epochs are working state of
// the operations.
inline constexpr std::string_view kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal(
  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, op TEXT NOT NULL, idem_key TEXT NOT NULL UNIQUE,
  request TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS postings(
  seq INTEGER NOT NULL, idx INTEGER NOT NULL, account TEXT NOT NULL, asset INTEGER NOT NULL,
  amount INTEGER NOT NULL, PRIMARY KEY(seq, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mint_postings ON postings(seq) WHERE account = 'mint';
CREATE TABLE IF NOT EXISTS balances(
  account TEXT NOT NULL, asset INTEGER NOT NULL, amount INTEGER NOT NULL,
  PRIMARY KEY(account, asset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS holds(
  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, payer TEXT NOT NULL,
  base_render_millis INTEGER NOT NULL, steps INTEGER NOT NULL, width INTEGER NOT NULL,
  height INTEGER NOT NULL, tier INTEGER NOT NULL, count INTEGER NOT NULL, img2img INTEGER NOT NULL,
  previews INTEGER NOT NULL, per_job INTEGER NOT NULL, jobs INTEGER NOT NULL,
  finalized INTEGER NOT NULL DEFAULT 0, released INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS open_holds ON holds(id) WHERE released = 0;
CREATE TABLE IF NOT EXISTS hold_jobs(
  hold_id INTEGER NOT NULL, job_id TEXT NOT NULL, seq INTEGER NOT NULL, outcome TEXT NOT NULL,
  worker TEXT NOT NULL, paid INTEGER NOT NULL, clawed_back INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(hold_id, job_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grouped_keys(
  idem_key TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unbonding(
  id INTEGER PRIMARY KEY, worker TEXT NOT NULL, release_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS unbonding_by_worker ON unbonding(worker, id);
CREATE TABLE IF NOT EXISTS verdicts(
  verdict_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS epochs(epoch INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
)SQL";

// Internal accounts (accounts.hpp).
inline constexpr std::string_view kMintAccount = "mint";
inline constexpr std::string_view kHoldAccountPrefix = "hold:";
std::string hold_account(std::int64_t hold_id);
std::string stake_account(std::string_view worker);
std::string unbonding_account(std::int64_t unbonding_id);

Digest entry_hash(std::uint64_t seq, const Digest& prev_hash, std::int64_t at, std::string_view op,
                  std::string_view key, std::string_view request,
                  std::span<const Posting> postings);

// Builds an operation's canonical text.
class RequestText {
 public:
  RequestText& field(std::string_view name, std::string_view value);
  RequestText& field(std::string_view name, const std::string& value) {
    return field(name, std::string_view(value));
  }
  RequestText& field(std::string_view name, const char* value) {
    return field(name, std::string_view(value));
  }
  RequestText& field(std::string_view name, std::int64_t value);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// RequestText read back: its fields in order, values unescaped (verify.cpp re-derives the working
// tables from them). A line without '=' is an error naming it.
Result<std::vector<std::pair<std::string, std::string>>> request_fields(std::string_view text);

}  // namespace seedgrid::treasury::journal
