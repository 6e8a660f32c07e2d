#include "actors/treasury/accounts.hpp"

namespace seedgrid::treasury {

std::string_view kind_name(AccountKind kind) {
  switch (kind) {
    case AccountKind::user:
      return "user";
    case AccountKind::worker:
      return "worker";
    case AccountKind::creator:
      return "creator";
    case AccountKind::validator:
      return "validator";
    case AccountKind::platform:
      return "platform";
    case AccountKind::burn:
      return "burn";
  }
  return "unknown";
}

std::string account_id(AccountKind kind, std::string_view name) {
  if (kind == AccountKind::platform || kind == AccountKind::burn)
    return std::string(kind_name(kind));
  return message_of(kind_name(kind), ":", name);
}

Result<AccountKind> parse_account(std::string_view account) {
  if (account == kPlatformAccount) return AccountKind::platform;
  if (account == kBurnAccount) return AccountKind::burn;
  const auto colon = account.find(':');
  if (colon == std::string_view::npos)
    return fail("account '", account,
                "' has no role: use user:NAME, worker:NAME, creator:NAME, validator:NAME, platform "
                "or burn");
  const std::string_view role = account.substr(0, colon), name = account.substr(colon + 1);
  AccountKind kind;
  if (role == "user")
    kind = AccountKind::user;
  else if (role == "worker")
    kind = AccountKind::worker;
  else if (role == "creator")
    kind = AccountKind::creator;
  else if (role == "validator")
    kind = AccountKind::validator;
  else
    return fail("account '", account, "' has unknown role '", role,
                "' (expected user, worker, creator or validator)");
  if (name.empty() || name.size() > 128)
    return fail("account '", account, "': the name must be 1 to 128 characters, not ", name.size());
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok)
      return fail("account '", account, "': character '", c,
                  "' is not allowed in a name (use A-Z a-z 0-9 . _ @ -)");
  }
  return kind;
}

}  // namespace seedgrid::treasury
