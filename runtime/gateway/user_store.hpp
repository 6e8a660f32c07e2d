#pragma once
// The gateway's users: a name, the hash of their API key (the key itself is printed once by
// `seedgrid gateway add-user` and never stored), and the signing key the gateway holds for them,
// whose ledger account ("user:<node id>") pays for their requests. One JSON file, mode 0600, with
// the signing keys as key files (mode 0600) in keys/ beside it.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::gateway {

// Horde's anonymous key.
inline constexpr std::string_view kAnonymousApiKey = "0000000000";

struct User {
  std::string name;
  std::shared_ptr<const Identity> key;
  std::string account() const { return "user:" + key->node_id(); }
};

struct NewUser {
  User user;
  std::string api_key;  // shown once
};

// A fresh random API key ("sg-" and 32 hex digits) and the hash the store keeps of it.
std::string new_api_key();
std::string api_key_hash(std::string_view api_key);

// Adds NAME to the users file (created with mode 0600 when missing); refuses a name in use or one
// outside [A-Za-z0-9._-]{1,32}. `key` is the user's signing key; when absent one is generated.
Result<NewUser> add_user(const std::string& users_file, const std::string& name,
                         std::optional<Identity> key = std::nullopt);
// A new API key for NAME (the old one stops working); adds NAME with `key` when it is not there.
Result<NewUser> issue_api_key(const std::string& users_file, const std::string& name,
                              std::optional<Identity> key = std::nullopt);

class UserStore {
 public:
  // A missing file is an empty store (users can be added while the gateway runs).
  static Result<std::unique_ptr<UserStore>> open(const std::string& users_file);

  // The user of an API key; re-reads the file when it changed since the last look.
  std::optional<User> find(std::string_view api_key);
  // The user called `name` (a restarted gateway follows its requests again with its key).
  std::optional<User> find_by_name(std::string_view name);
  std::size_t size();

 private:
  explicit UserStore(std::string path) : path_(std::move(path)) {}
  Result<void> reload_if_changed();

  std::string path_;
  std::mutex mutex_;
  std::filesystem::file_time_type loaded_at_{};
  std::map<std::string, User> by_hash_;
};

}  // namespace seedgrid::gateway
