#pragma once
// Account ids are text with the role as a prefix, so a statement line says who an account is:
//   user:NAME       pays for renders with credits; holds tokens
//   worker:NAME     earns credits for jobs and tokens from epochs; stakes tokens
//   creator:NAME    a model creator: royalties (credits) and epoch rewards (tokens)
//   validator:NAME  audit bounties (tokens)
//   platform        platform fees (credits)
//   burn            everything burned; never spends
// NAME is 1..128 characters of [A-Za-z0-9._@-] (a node id in hex fits). The ledger also keeps
// internal accounts that callers never name: "mint" (the source of every minted micro; its balance
// is minus the supply), "hold:ID" (escrow), "stake:worker:NAME" and "stake:validator:NAME"
// (bonded) and "unbonding:ID" (cooling down).
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::treasury {

enum class AccountKind { user, worker, creator, validator, platform, burn };

inline constexpr std::string_view kPlatformAccount = "platform";
inline constexpr std::string_view kBurnAccount = "burn";

// "user" + "alice" -> "user:alice"; platform and burn take no name.
std::string account_id(AccountKind kind, std::string_view name = {});
// Validates a caller-facing account id; the error quotes it and says what is wrong.
Result<AccountKind> parse_account(std::string_view account);
std::string_view kind_name(AccountKind kind);

}  // namespace seedgrid::treasury
