#include "runtime/gateway/user_store.hpp"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/files/durable_file.hpp"

#include <sodium.h>

namespace seedgrid::gateway {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

Result<json::object> read_users(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return json::object{{"users", json::array{}}};
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto value = json::parse(text.str(), ec);
  if (ec || !value.is_object() || !value.as_object().contains("users") ||
      !value.as_object().at("users").is_array())
    return fail("the gateway's users file ", path, " is not a JSON object with a \"users\" array");
  return value.as_object();
}

fs::path key_path_of(const std::string& users_file, std::string_view key_file) {
  fs::path p(key_file);
  return p.is_absolute() ? p : fs::path(users_file).parent_path() / p;
}

}  // namespace

std::string new_api_key() {
  ensure_sodium();
  std::uint8_t bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return "sg-" + to_hex(bytes);
}

std::string api_key_hash(std::string_view api_key) { return to_hex(blake2b(api_key)); }

namespace {

// Whole or not at all, 0600 from the first byte: a user added and told their key keeps it
// through a crash (files/durable_file.hpp).
Result<void> write_users(const std::string& users_file, const json::object& users) {
  return files::write_durably(users_file, json::serialize(users) + "\n", files::Existing::replace,
                              0600, 0700);
}

Result<NewUser> put_user(const std::string& users_file, const std::string& name,
                         std::optional<Identity> key, bool replace) {
  if (!valid_name(name))
    return fail("user name '", name, "' must be 1 to 32 of letters, digits, '.', '_' and '-'");
  auto users = read_users(users_file);
  if (!users) return pass_on(users);
  auto& list = users->at("users").as_array();
  const std::string api_key = new_api_key();
  for (auto& u : list) {
    auto* o = u.if_object();
    if (!o || !o->contains("name") || !o->at("name").is_string() ||
        o->at("name").as_string() != name)
      continue;
    if (!replace) return fail("user '", name, "' already exists in ", users_file);
    const auto* key_file = o->if_contains("key_file");
    if (!key_file || !key_file->is_string())
      return fail(users_file, ": user '", name, "' has no \"key_file\"");
    auto existing = Identity::load(key_path_of(users_file, key_file->as_string()).string());
    if (!existing) return context(existing.error(), "loading the signing key of user '", name, "'");
    (*o)["api_key_hash"] = api_key_hash(api_key);
    if (auto w = write_users(users_file, *users); !w) return pass_on(w);
    return NewUser{User{name, std::make_shared<const Identity>(*existing)}, api_key};
  }
  std::error_code ec;
  const auto dir = fs::path(users_file).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  const std::string key_file = "keys/" + name + ".key";
  if (!key) key = Identity::generate();
  if (auto saved = key->save(key_path_of(users_file, key_file).string()); !saved)
    return context(saved.error(), "saving the signing key of user '", name, "'");
  list.push_back(json::object{
      {"name", name}, {"api_key_hash", api_key_hash(api_key)}, {"key_file", key_file}});
  if (auto w = write_users(users_file, *users); !w) return pass_on(w);
  return NewUser{User{name, std::make_shared<const Identity>(*key)}, api_key};
}

}  // namespace

Result<NewUser> add_user(const std::string& users_file, const std::string& name,
                         std::optional<Identity> key) {
  return put_user(users_file, name, std::move(key), false);
}

Result<NewUser> issue_api_key(const std::string& users_file, const std::string& name,
                              std::optional<Identity> key) {
  return put_user(users_file, name, std::move(key), true);
}

Result<std::unique_ptr<UserStore>> UserStore::open(const std::string& users_file) {
  std::unique_ptr<UserStore> store(new UserStore(users_file));
  if (auto r = store->reload_if_changed(); !r) return pass_on(r);
  return store;
}

Result<void> UserStore::reload_if_changed() {
  std::error_code ec;
  const auto stamp = fs::last_write_time(path_, ec);
  if (ec || stamp == loaded_at_) return {};
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    return fail("the gateway's users file ", path_,
                " can be read by others (mode wider than 0600); chmod 600 it");
  auto users = read_users(path_);
  if (!users) return pass_on(users);
  std::map<std::string, User> by_hash;
  for (const auto& u : users->at("users").as_array()) {
    const auto* o = u.if_object();
    if (!o || !o->contains("name") || !o->contains("api_key_hash") || !o->contains("key_file") ||
        !o->at("name").is_string() || !o->at("api_key_hash").is_string() ||
        !o->at("key_file").is_string())
      return fail(path_, ": each user needs \"name\", \"api_key_hash\" and \"key_file\"");
    const std::string name(o->at("name").as_string());
    auto key = Identity::load(key_path_of(path_, o->at("key_file").as_string()).string());
    if (!key) return context(key.error(), "loading the signing key of user '", name, "'");
    by_hash[std::string(o->at("api_key_hash").as_string())] =
        User{name, std::make_shared<const Identity>(*key)};
  }
  by_hash_ = std::move(by_hash);
  loaded_at_ = stamp;
  return {};
}

std::optional<User> UserStore::find(std::string_view api_key) {
  const auto hash = api_key_hash(api_key);
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(hash);
  if (it != by_hash_.end()) return it->second;
  // Perhaps added since: look again (a bad key costs one stat of the file).
  if (!reload_if_changed()) return std::nullopt;
  it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

std::optional<User> UserStore::find_by_name(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (!reload_if_changed()) return std::nullopt;
  for (const auto& [hash, user] : by_hash_)
    if (user.name == name) return user;
  return std::nullopt;
}

std::size_t UserStore::size() {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

}  // namespace seedgrid::gateway
