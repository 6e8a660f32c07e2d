#include "actors/treasury/verify.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <system_error>
#include <thread>

#include "actors/treasury/derived_tables.hpp"
#include "actors/treasury/journal.hpp"
#include "actors/treasury/units.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/transaction.hpp"

namespace seedgrid::treasury {

namespace {

// A signature blob: 64 bytes, or empty for an entry signed through a later one's (journal.hpp).
bool read_signature(const std::vector<std::uint8_t>& blob, std::optional<Signature>& out) {
  out.reset();
  if (blob.empty()) return true;
  if (blob.size() != Signature{}.size()) return false;
  out.emplace();
  std::copy(blob.begin(), blob.end(), out->begin());
  return true;
}

template <std::size_t N>
bool copy_blob(const std::vector<std::uint8_t>& blob, std::array<std::uint8_t, N>& out) {
  if (blob.size() != N) return false;
  std::copy(blob.begin(), blob.end(), out.begin());
  return true;
}

using BalanceKey = std::pair<std::string, int>;

// Signature checks dominate verification and are independent of each other: they are collected and
// checked in chunks on every hardware thread, and the lowest failing seq is reported.
class SignatureChecks {
 public:
  explicit SignatureChecks(const PublicKey& key) : key_(key) {}

  Result<void> add(std::uint64_t seq, std::string label, const Digest& hash, const Signature& sig) {
    pending_.push_back({seq, std::move(label), hash, sig});
    if (pending_.size() >= kChunk) return check();
    return {};
  }

  Result<void> check() {
    const std::size_t n = pending_.size();
    std::vector<char> ok(n, 0);
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                        std::max<std::size_t>(1, n / 256));
    auto check_range = [&](std::size_t t) {
      for (std::size_t i = t * n / threads; i < (t + 1) * n / threads; ++i)
        ok[i] = verify_signature(key_, std::span<const std::uint8_t>(pending_[i].hash),
                                 pending_[i].signature);
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
      try {
        pool.emplace_back(check_range, t);
      } catch (const std::system_error&) {
        check_range(t);  // no thread to be had: check this range here
      }
    }
    check_range(0);
    for (std::thread& th : pool) th.join();
    for (std::size_t i = 0; i < n; ++i)
      if (!ok[i])
        return fail("entry ", pending_[i].seq, " (", pending_[i].label,
                    "): the signature is not the treasury's (forged or altered)");
    pending_.clear();
    return {};
  }

 private:
  static constexpr std::size_t kChunk = 8192;
  struct Pending {
    std::uint64_t seq;
    std::string label;
    Digest hash;
    Signature signature;
  };
  const PublicKey& key_;
  std::vector<Pending> pending_;
};

std::string describe(const BalanceKey& key) {
  return message_of(key.first, " (", asset_name(static_cast<Asset>(key.second)), ")");
}

}  // namespace

Result<VerifyReport> verify_ledger(const std::string& path, const PublicKey& treasury,
                                   std::span<const ExpectedEntry> expected) {
  auto db = storage::Database::open(path, {.read_only = true});
  if (!db) return pass_on(db);
  // One read transaction: a consistent snapshot even while the treasury keeps writing.
  auto snapshot = storage::Transaction::begin(*db, storage::Transaction::Mode::deferred);
  if (!snapshot) return pass_on(snapshot);
  auto entries = db->prepare(
      "SELECT seq, at, op, idem_key, request, prev_hash, hash, signature FROM journal ORDER BY "
      "seq");
  if (!entries) return context(entries.error(), path, " is not a seedgrid ledger");
  auto postings =
      db->prepare("SELECT seq, idx, account, asset, amount FROM postings ORDER BY seq, idx");
  if (!postings) return context(postings.error(), path, " is not a seedgrid ledger");

  std::map<BalanceKey, Micros> derived;
  DerivedTables tables(treasury);
  std::map<std::uint64_t, Digest> hashes_of_expected;  // the ledger's hash of each expected seq
  for (const ExpectedEntry& e : expected) hashes_of_expected[e.seq] = Digest{};
  SignatureChecks signatures(treasury);
  // A problem found in order is reported only after the signatures of earlier entries are checked,
  // so the error is always the first problem in the journal.
  auto problem = [&](std::unexpected<Error> found) -> std::unexpected<Error> {
    if (auto earlier = signatures.check(); !earlier) return pass_on(earlier);
    return found;
  };
  VerifyReport report;
  Digest prev{};
  std::uint64_t first_unsigned = 0;  // the first entry of the unsigned run the loop is in, or 0
  // The postings cursor runs alongside the entries cursor; `pending` is its current row.
  auto posting_row = postings->step();
  if (!posting_row) return pass_on(posting_row);
  bool have_posting = *posting_row;

  for (std::uint64_t expected = 1;; ++expected) {
    auto row = entries->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    const auto seq = static_cast<std::uint64_t>(entries->column_int64(0));
    if (seq != expected)
      return problem(fail("entry ", expected, " is missing: the journal goes from entry ",
                          expected - 1, " to entry ", seq, " (deleted entries)"));
    const std::int64_t at = entries->column_int64(1);
    const std::string op = entries->column_text(2), key = entries->column_text(3),
                      request = entries->column_text(4);
    Digest stored_prev{}, stored_hash{};
    std::optional<Signature> signature;
    if (!copy_blob(entries->column_blob(5), stored_prev) ||
        !copy_blob(entries->column_blob(6), stored_hash) ||
        !read_signature(entries->column_blob(7), signature))
      return problem(
          fail("entry ", seq, ": hash, previous hash or signature has the wrong length"));

    if (seq == 1) {
      const std::string expected_line = "treasury=" + treasury.hex() + "\n";
      if (op != "genesis" || !request.starts_with("treasury="))
        return problem(fail("entry 1 is not a genesis entry (op '", op, "')"));
      if (!request.starts_with(expected_line))
        return problem(fail("entry 1: this ledger was created by treasury key ",
                            request.substr(9, request.find('\n') - 9), ", not by the given key ",
                            treasury.hex()));
    }

    std::vector<Posting> entry_postings;
    Micros sums[2] = {0, 0};
    while (have_posting && static_cast<std::uint64_t>(postings->column_int64(0)) <= seq) {
      const auto pseq = static_cast<std::uint64_t>(postings->column_int64(0));
      if (pseq < seq)
        return problem(fail("postings of entry ", pseq, " have no journal entry (entry deleted?)"));
      const std::int64_t idx = postings->column_int64(1);
      if (idx != static_cast<std::int64_t>(entry_postings.size()))
        return problem(fail("entry ", seq, ": posting ", entry_postings.size(), " is missing"));
      const std::int64_t asset = postings->column_int64(3);
      if (asset != 0 && asset != 1)
        return problem(fail("entry ", seq, ": posting ", idx, " has unknown asset ", asset));
      entry_postings.push_back(
          {postings->column_text(2), static_cast<Asset>(asset), postings->column_int64(4)});
      sums[asset] += entry_postings.back().amount;
      auto next = postings->step();
      if (!next) return pass_on(next);
      have_posting = *next;
    }

    if (stored_prev != prev)
      return problem(fail("entry ", seq, ": its previous-hash does not match entry ", seq - 1,
                          "'s hash (entries reordered, removed or rewritten)"));
    const Digest hash = journal::entry_hash(seq, prev, at, op, key, request, entry_postings);
    if (hash != stored_hash)
      return problem(
          fail("entry ", seq, " (", op, " ", key,
               "): its contents do not match its hash (an amount, account or field was edited)"));
    if (signature) {
      if (auto r = signatures.add(seq, op + " " + key, hash, *signature); !r) return pass_on(r);
      first_unsigned = 0;
    } else if (first_unsigned == 0) {
      first_unsigned = seq;
    }
    if (sums[0] != 0 || sums[1] != 0)
      return problem(fail("entry ", seq, ": postings do not balance (credits ", sums[0],
                          ", tokens ", sums[1], ")"));
    for (const Posting& p : entry_postings) {
      Micros& b = derived[{p.account, static_cast<int>(p.asset)}];
      b += p.amount;
      if (b < 0 && p.account != journal::kMintAccount)
        return problem(fail("entry ", seq, " overdraws ", p.account, " to ", format_micros(b), " ",
                            asset_name(p.asset)));
    }
    if (auto r = tables.add(seq, op, request, entry_postings); !r)
      return problem(std::unexpected(r.error()));
    if (auto it = hashes_of_expected.find(seq); it != hashes_of_expected.end()) it->second = hash;
    prev = hash;
    report.entries = seq;
  }
  if (have_posting)
    return problem(fail("postings of entry ", postings->column_int64(0),
                        " have no journal entry (entry deleted?)"));
  if (auto r = signatures.check(); !r) return pass_on(r);
  if (report.entries == 0) return fail(path, " holds no journal entries");
  if (first_unsigned != 0)
    return fail("entries ", first_unsigned, "..", report.entries,
                " are signed by no entry: the last entry must carry the treasury's signature "
                "(entries after the last signed one were added or the ledger was cut mid-batch)");
  report.head = prev;

  for (const ExpectedEntry& e : expected) {
    if (e.seq > report.entries)
      return fail("the ledger ends at entry ", report.entries, " but ", e.source, " names entry ",
                  e.seq, ": entries ", report.entries + 1, "..", e.seq,
                  " are missing (the ledger was truncated, or restored from an older copy)");
    if (const Digest& have = hashes_of_expected.at(e.seq); have != e.hash)
      return fail("entry ", e.seq, " has hash ", to_hex(have), " but ", e.source, " names hash ",
                  to_hex(e.hash), ": the ledger was rolled back to before entry ", e.seq,
                  " and rewritten (not the history the treasury signed)");
  }

  auto stored = db->prepare("SELECT account, asset, amount FROM balances ORDER BY account, asset");
  if (!stored) return pass_on(stored);
  std::map<BalanceKey, Micros> table;
  for (;;) {
    auto row = stored->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    table[{stored->column_text(0), static_cast<int>(stored->column_int64(1))}] =
        stored->column_int64(2);
  }
  for (const auto& [key, amount] : table) {
    auto it = derived.find(key);
    const Micros journal_amount = it == derived.end() ? 0 : it->second;
    if (amount != journal_amount)
      return fail("balance of ", describe(key), " is ", format_micros(amount),
                  " in the balance table but the journal gives ", format_micros(journal_amount));
  }
  for (const auto& [key, amount] : derived) {
    if (amount != 0 && !table.contains(key))
      return fail("balance of ", describe(key),
                  " is missing from the balance table; the journal gives ", format_micros(amount));
    if (amount != 0) ++report.accounts;
  }

  auto disagreements = tables.disagreements(*db);
  if (!disagreements) return pass_on(disagreements);
  if (!disagreements->empty()) {
    std::string listed;
    for (const std::string& d : *disagreements) listed += "\n  " + d;
    return fail(
        "the working tables disagree with the journal (edited behind the treasury's back?):",
        listed);
  }
  return report;
}

}  // namespace seedgrid::treasury
