// Deposit (a credit purchase: the mint of credits) and Transfer.
#include "actors/treasury/ledger_state.hpp"
#include "actors/treasury/units.hpp"

namespace seedgrid::treasury {

namespace {
// The supply of an asset stays below kMaxSupply so no sum of balances can overflow.
Result<void> check_mint(LedgerState& s, Asset asset, Micros amount) {
  auto minted = s.minted(asset);
  if (!minted) return pass_on(minted);
  if (*minted > kMaxSupply - amount)
    return fail("minting ", format_micros(amount), " ", asset_name(asset),
                " would take the supply past ", format_micros(kMaxSupply));
  return {};
}
}  // namespace

Result<JournalReceipt> apply_op(LedgerState& s, const Deposit& op) {
  const std::string request =
      journal::RequestText().field("account", op.account).field("amount", op.amount).text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "deposit", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "deposit");
  if (auto r = check_role("deposit account", op.account, AccountKind::user); !r)
    return pass_on(r);
  if (auto r = check_amount("deposit amount", op.amount); !r) return pass_on(r);
  if (auto r = check_mint(s, Asset::credits, op.amount); !r) return context(r.error(), "deposit");
  std::vector<Posting> postings = {{std::string(journal::kMintAccount), Asset::credits, -op.amount},
                                   {op.account, Asset::credits, op.amount}};
  return s.append(op.at, "deposit", op.key, request, std::move(postings));
}

Result<JournalReceipt> apply_op(LedgerState& s, const Transfer& op) {
  const std::string request = journal::RequestText()
                                  .field("asset", asset_name(op.asset))
                                  .field("from", op.from)
                                  .field("to", op.to)
                                  .field("amount", op.amount)
                                  .text();
  if (auto r = check_key(op.key); !r) return pass_on(r);
  if (auto prior = s.replay(op.key, "transfer", request); !prior || *prior)
    return replayed(std::move(prior));
  if (auto r = check_time(op.at); !r) return context(r.error(), "transfer");
  auto from = parse_account(op.from);
  if (!from) return context(from.error(), "transfer from");
  auto to = parse_account(op.to);
  if (!to) return context(to.error(), "transfer to");
  if (op.from == op.to) return fail("transfer from ", op.from, " to itself");
  if (*from == AccountKind::burn)
    return fail("transfer from burn: burned amounts never move again");
  if (op.asset == Asset::credits && (*from == AccountKind::user || *to == AccountKind::user))
    return fail("transfer of credits ", op.from, " -> ", op.to,
                ": credits are not transferable to or from users (they are spent on renders); "
                "tokens are");
  if (auto r = check_amount("transfer amount", op.amount); !r) return pass_on(r);
  std::vector<Posting> postings = {{op.from, op.asset, -op.amount}, {op.to, op.asset, op.amount}};
  if (auto r = s.check_funds(postings); !r) return context(r.error(), "transfer");
  return s.append(op.at, "transfer", op.key, request, std::move(postings));
}

}  // namespace seedgrid::treasury
