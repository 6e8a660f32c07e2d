#pragma once
// The treasury node's desk: turns the coordinator's orders (runtime/base/protocol/treasury_messages.hpp)
// into ledger operations, applies them (a batch in one group commit), and reports what moved in
// the terms the coordinator and its clients use. Plain C++: treasury_actor.cpp serves it over CAF.
#include <cstdint>
#include <span>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::treasury {

// The economics of a node config: ledger defaults overridden by $.treasury.economics (keys as in
// treasury_config_keys()) and $.treasury.economics.fee_tiers. Errors name the JSON path.
Result<TreasuryConfig> treasury_config_of(const config::TreasurySection& section);

// The ledger operation an order stands for, stamped with `at` (unix seconds).
Result<Operation> operation_of(const protocol::LedgerOrder& order, std::int64_t at);

class TreasuryDesk {
 public:
  explicit TreasuryDesk(Ledger& ledger) : ledger_(ledger) {}

  // Applies the orders in one group commit; receipt i answers order i.
  std::vector<protocol::LedgerReceipt> apply(std::span<const protocol::LedgerOrder> orders,
                                             std::int64_t at);
  protocol::QuoteReply quote(const protocol::PriceInputs& price) const;
  protocol::StakeReply stake(const std::string& worker_account) const;
  // The open holds the coordinator with this key (hex) ordered.
  protocol::OpenHoldsReply open_holds(const std::string& coordinator) const;

 private:
  protocol::LedgerReceipt receipt_of(const protocol::LedgerOrder& order, const JournalReceipt& r) const;
  Ledger& ledger_;
};

}  // namespace seedgrid::treasury
