#pragma once
// The working tables the operations keep beside the journal — holds, hold_jobs, grouped_keys,
// verdicts and meta — re-derived from the journal's entries and compared row by row with the
// stored tables (verify.cpp). They decide what an operation may do next (a job settles once, a verdict slashes
// once), so a row edited behind the treasury's back would let money move twice or never; the
// journal, being signed, is the truth they are checked against.
//
// Not re-derived: balances (verify.cpp does that from the postings), unbonding and epochs (their
// rows depend on the economics in force and on the epoch rules, which the verifier takes on trust).
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/treasury/operations.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::storage {
class Database;
}

namespace seedgrid::treasury {

class DerivedTables {
 public:
  explicit DerivedTables(const PublicKey& treasury);

  // One verified entry, in journal order. An entry whose request text cannot be read is an error
  // naming it.
  Result<void> add(std::uint64_t seq, std::string_view op, std::string_view request,
                   std::span<const Posting> postings);
  // Each stored row that disagrees with the journal, named with its table and key, in table and
  // key order; at most `max_listed` (then a count of the rest). Empty: every table agrees.
  Result<std::vector<std::string>> disagreements(storage::Database& db,
                                                 std::size_t max_listed = 20);

  // A row as columns of text (SQLite's text form of each value), keyed by its primary key.
  using Row = std::vector<std::string>;
  using RowKey = std::pair<std::int64_t, std::string>;

 private:
  Result<void> add_settle_group(std::uint64_t seq, std::string_view request,
                                std::span<const Posting> postings);
  std::map<RowKey, Row> holds_, hold_jobs_, grouped_keys_, verdicts_, meta_;
};

}  // namespace seedgrid::treasury
