// Changing the economics as an operation: journaled at its time, idempotent by its key, like every
// other operation. The entry's request is the complete config in force afterwards (what
// config_in_force() reads back); callers build it as a patch of the config in force, so keys left
// out keep their values.
#include "actors/treasury/ledger_state.hpp"

namespace seedgrid::treasury {

Result<JournalReceipt> apply_op(LedgerState& s, const Configure& op) {
  const std::string request = canonical_text(op.config);
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "configure", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "configure");
  if (auto r = parse_canonical_text(request); !r) return context(r.error(), "configure");
  auto receipt = s.append(op.at, "configure", op.key, request, {});
  if (!receipt) return pass_on(receipt);
  s.config = op.config;
  return receipt;
}

}  // namespace seedgrid::treasury
