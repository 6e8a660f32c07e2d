#pragma once
// Settlement per group of jobs: the jobs of one hold that settle in one batch are written as one
// journal entry (op "settle_jobs", schema version 2) instead of one entry each. A job's payment is
// split exactly as a lone settlement's (payment_split.hpp); the entry's postings are the sums per
// account, and its request text lists every job with its key and its split, so
//   - each job's receipt, fresh or replayed, is the one a lone settlement would have given;
//   - `ledger verify` re-derives each job's hold_jobs row and checks the sums;
//   - idempotency stays per job: its key is kept in grouped_keys and answered from its line.
// The format here is shared by the writer (escrow.cpp), replay (ledger_state.cpp) and the verifier
// (derived_tables.cpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/operations.hpp"
#include "actors/treasury/payment_split.hpp"
#include "models/result.hpp"

namespace seedgrid::treasury {

inline constexpr std::string_view kSettleGroupOp = "settle_jobs";

// One job of a group entry, as its request text lists it.
struct GroupedSettlement {
  std::string key, job_id, worker, creator;
  PaymentSplit split;
};

struct SettleGroup {
  std::int64_t hold_id = 0;
  std::vector<GroupedSettlement> jobs;
};

// The request text of a group entry: hold, count, then per job its fields in a fixed order.
std::string settle_group_text(const SettleGroup& group);
// Read back; an error names what is missing or out of order.
Result<SettleGroup> parse_settle_group(std::string_view request);

// A job's postings, in the order a lone settlement writes them (zero parts left out).
std::vector<Posting> settlement_postings(std::int64_t hold_id, const std::string& worker,
                                         const std::string& creator, const PaymentSplit& split);
// The group entry's postings: the hold's total first, then each account's sum in the order the
// accounts first appear in the jobs' postings.
std::vector<Posting> settle_group_postings(const SettleGroup& group);

// The request text a lone settlement of this job has: what a retry of its SettleJob must match.
std::string settle_request_text(std::int64_t hold_id, std::string_view job_id,
                                std::string_view worker, std::string_view creator);

// A job an entry paid as settled, for readers of the history (`ledger history`, tests): one for a
// "settle" entry, each listed one for a "settle_jobs" entry, none for any other entry.
struct SettledJob {
  std::int64_t hold_id = 0;
  std::string key, job_id, worker;
};
std::vector<SettledJob> settled_jobs(const JournalEntry& entry);

}  // namespace seedgrid::treasury
