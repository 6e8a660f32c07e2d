#include "runtime/gateway/request_journal.hpp"

#include "runtime/base/storage/process_lock.hpp"

#include <boost/json.hpp>

#include <mutex>

#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/engine_sql.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;

struct RequestJournal::State {
  storage::ProcessLock owner;  // first: let go after the database closes
  std::mutex mutex;            // sessions' threads keep, the housekeeper forgets
  storage::Database db;
  storage::Statement keep, forget;
  std::uint64_t start_number = 0;
};

RequestJournal::RequestJournal(std::unique_ptr<State> state) : state_(std::move(state)) {}
RequestJournal::~RequestJournal() = default;

Result<std::unique_ptr<RequestJournal>> RequestJournal::open(const std::string& path) {
  // Two gateways on one file (their users file in one folder) would each follow the other's
  // requests again after a restart, and number their events from the same count of starts.
  auto owner = storage::ProcessLock::acquire(
      path + ".owner", "the gateway's request journal " + path,
      "each gateway needs its own folder for its users file (requests.sqlite sits beside it)");
  if (!owner) return pass_on(owner);
  auto db = storage::Database::open(path);
  if (!db) return context(db.error(), "opening the gateway's request journal");
  if (auto r = db->exec(
          "CREATE TABLE IF NOT EXISTS kept_requests(id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
          "created_unix INTEGER NOT NULL, model_name TEXT NOT NULL, labels TEXT NOT NULL, "
          "coordinator TEXT NOT NULL)");
      !r)
    return context(r.error(), "opening the gateway's request journal ", path);
  if (auto r =
          db->exec("CREATE TABLE IF NOT EXISTS gateway_starts(number INTEGER NOT NULL); "
                   "INSERT INTO gateway_starts(number) SELECT COALESCE(MAX(number), 0) + 1 FROM "
                   "gateway_starts");
      !r)
    return context(r.error(), "counting this start in the gateway's request journal ", path);
  auto started = db->prepare("SELECT MAX(number) FROM gateway_starts");
  if (!started) return pass_on(started);
  if (auto row = started->step(); !row || !*row)
    return fail("the gateway's request journal ", path, " lost the count of its starts");
  const auto start_number = static_cast<std::uint64_t>(started->column_int64(0));
  auto keep = db->prepare(storage::upsert_sql(
      "kept_requests", {"id", "owner", "created_unix", "model_name", "labels", "coordinator"},
      {"id"}));
  if (!keep) return pass_on(keep);
  auto forget = db->prepare("DELETE FROM kept_requests WHERE id = ?");
  if (!forget) return pass_on(forget);
  return std::unique_ptr<RequestJournal>(new RequestJournal(std::unique_ptr<State>(new State{
      std::move(*owner), {}, std::move(*db), std::move(*keep), std::move(*forget), start_number})));
}

Result<void> RequestJournal::keep(const KeptRequest& r) {
  json::object labels;
  for (const auto& [k, v] : r.labels) labels[k] = v;
  std::lock_guard lock(state_->mutex);
  auto w = state_->keep.bind(1, r.id)
               .bind(2, r.owner)
               .bind(3, r.created_unix)
               .bind(4, r.model_name)
               .bind(5, json::serialize(labels))
               .bind(6, r.coordinator.hex())
               .run();
  if (!w) return context(w.error(), "keeping request ", r.id, " in the gateway's journal");
  return {};
}

Result<void> RequestJournal::forget(const std::string& id) {
  std::lock_guard lock(state_->mutex);
  if (auto w = state_->forget.bind(1, id).run(); !w)
    return context(w.error(), "forgetting request ", id, " in the gateway's journal");
  return {};
}

std::uint64_t RequestJournal::start_number() const { return state_->start_number; }

Result<std::vector<KeptRequest>> RequestJournal::load() {
  std::lock_guard lock(state_->mutex);
  auto q = state_->db.prepare(
      "SELECT id, owner, created_unix, model_name, labels, coordinator FROM kept_requests "
      "ORDER BY created_unix, id");
  if (!q) return pass_on(q);
  std::vector<KeptRequest> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) return out;
    KeptRequest r;
    r.id = q->column_text(0);
    r.owner = q->column_text(1);
    r.created_unix = q->column_int64(2);
    r.model_name = q->column_text(3);
    std::error_code ec;
    const auto labels = json::parse(q->column_text(4), ec);
    if (!ec && labels.is_object())
      for (const auto& kv : labels.as_object())
        if (kv.value().is_string()) r.labels[std::string(kv.key())] = kv.value().as_string();
    auto coordinator = PublicKey::from_hex(q->column_text(5));
    if (!coordinator)
      return context(coordinator.error(), "the gateway's request journal, request ", r.id);
    r.coordinator = *coordinator;
    out.push_back(std::move(r));
  }
}

}  // namespace seedgrid::gateway
