#include "actors/treasury/derived_tables.hpp"

#include <algorithm>
#include <charconv>

#include "actors/treasury/journal.hpp"
#include "actors/treasury/settle_group.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::treasury {

namespace {

struct TableSpec {
  std::string_view name;
  std::vector<std::string_view> columns;  // the first one or two form the key
  bool text_key_only = false;             // key is (0, first column)
  bool two_column_key = false;            // key is (first column, second column)
};

const TableSpec kHolds{
    "holds",
    {"id", "request_id", "payer", "base_render_millis", "steps", "width", "height", "tier", "count",
     "img2img", "previews", "per_job", "jobs", "finalized", "released"}};
const TableSpec kHoldJobs{"hold_jobs",
                          {"hold_id", "job_id", "seq", "outcome", "worker", "paid", "clawed_back"},
                          false,
                          true};
const TableSpec kGroupedKeys{"grouped_keys", {"idem_key", "seq"}, true};
const TableSpec kVerdicts{"verdicts", {"verdict_id", "seq"}, true};
const TableSpec kMeta{"meta", {"key", "value"}, true};

constexpr std::size_t kHoldFinalized = 13, kHoldReleased = 14, kJobClawedBack = 6;
// Flags as SQLite's text form of the stored integers. (Assigned as std::string: GCC 12 warns
// falsely (-Wrestrict) about assigning a literal to a std::string element at -O3.)
constexpr std::string_view kTrue = "1", kFalse = "0";

Result<std::int64_t> to_int(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    return fail("'", text, "' is not an integer");
  return v;
}

DerivedTables::RowKey key_of(const TableSpec& spec, const DerivedTables::Row& row) {
  if (spec.text_key_only) return {0, row[0]};
  auto id = to_int(row[0]);
  return {id ? *id : 0, spec.two_column_key ? row[1] : std::string()};
}

std::string name_of(const TableSpec& spec, const DerivedTables::Row& row) {
  std::string out = message_of(spec.name, " row ", spec.columns[0], "=", row[0]);
  if (spec.two_column_key) out += message_of(" ", spec.columns[1], "=", row[1]);
  return out;
}

// The fields of an entry's request, by name (each op writes each name once, but for epochs).
class Fields {
 public:
  static Result<Fields> of(std::uint64_t seq, std::string_view op, std::string_view request) {
    auto fields = journal::request_fields(request);
    if (!fields) return context(fields.error(), "entry ", seq, " (", op, ")");
    Fields f;
    f.seq_ = seq;
    f.op_ = op;
    for (auto& [k, v] : *fields) f.values_.emplace(std::move(k), std::move(v));
    return f;
  }
  Result<std::string> text(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end())
      return fail("entry ", seq_, " (", op_, ") has no field '", name, "' in its request");
    return it->second;
  }
  Result<std::int64_t> number(std::string_view name) const {
    auto t = text(name);
    if (!t) return pass_on(t);
    auto v = to_int(*t);
    if (!v) return context(v.error(), "entry ", seq_, " (", op_, ") field '", name, "'");
    return v;
  }

 private:
  std::uint64_t seq_ = 0;
  std::string_view op_;
  std::map<std::string, std::string, std::less<>> values_;
};

// What an entry moved out of (negative) or into a hold account.
std::int64_t hold_net(std::span<const Posting> postings, std::int64_t hold_id) {
  const std::string account = journal::hold_account(hold_id);
  std::int64_t net = 0;
  for (const Posting& p : postings)
    if (p.account == account && p.asset == Asset::credits) net += p.amount;
  return net;
}

Result<std::vector<DerivedTables::Row>> stored_rows(storage::Database& db, const TableSpec& spec) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    sql += message_of(i ? ", " : "", spec.columns[i]);
  sql += message_of(" FROM ", spec.name);
  auto st = db.prepare(sql);
  if (!st) return context(st.error(), "reading table ", spec.name);
  std::vector<DerivedTables::Row> rows;
  for (;;) {
    auto row = st->step();
    if (!row) return context(row.error(), "reading table ", spec.name);
    if (!*row) break;
    DerivedTables::Row r;
    for (std::size_t i = 0; i < spec.columns.size(); ++i)
      r.push_back(st->column_is_null(static_cast<int>(i)) ? std::string("NULL")
                                                          : st->column_text(static_cast<int>(i)));
    rows.push_back(std::move(r));
  }
  return rows;
}

void compare_table(const TableSpec& spec,
                   const std::map<DerivedTables::RowKey, DerivedTables::Row>& derived,
                   const std::vector<DerivedTables::Row>& stored, std::vector<std::string>& out) {
  std::map<DerivedTables::RowKey, const DerivedTables::Row*> by_key;
  for (const auto& row : stored) by_key.emplace(key_of(spec, row), &row);
  for (const auto& [key, row] : by_key) {
    auto it = derived.find(key);
    if (it == derived.end()) {
      out.push_back(
          message_of(name_of(spec, *row), " is in the table but no journal entry made it"));
      continue;
    }
    for (std::size_t i = 0; i < spec.columns.size(); ++i)
      if ((*row)[i] != it->second[i])
        out.push_back(message_of(name_of(spec, *row), ": ", spec.columns[i], " is '", (*row)[i],
                                 "' in the table but the journal gives '", it->second[i], "'"));
  }
  for (const auto& [key, row] : derived)
    if (!by_key.contains(key))
      out.push_back(
          message_of(name_of(spec, row), " is missing from the table (the journal has it)"));
}

}  // namespace

DerivedTables::DerivedTables(const PublicKey& treasury) {
  meta_[{0, "schema_version"}] = {"schema_version", std::to_string(journal::kSchemaVersion)};
  meta_[{0, "treasury_key"}] = {"treasury_key", treasury.hex()};
}

Result<void> DerivedTables::add_settle_group(std::uint64_t seq, std::string_view request,
                                             std::span<const Posting> postings) {
  auto group = parse_settle_group(request);
  if (!group) return context(group.error(), "entry ", seq, " (", kSettleGroupOp, ")");
  auto hold = holds_.find({group->hold_id, ""});
  if (hold == holds_.end())
    return fail("entry ", seq, " (", kSettleGroupOp, ") names hold ", group->hold_id,
                ", which no hold entry opened");
  // The postings must be what the listed splits add up to: the receipts of its jobs, and the
  // rows below, are read from the list.
  const std::vector<Posting> sums = settle_group_postings(*group);
  if (!std::equal(sums.begin(), sums.end(), postings.begin(), postings.end()))
    return fail("entry ", seq, " (", kSettleGroupOp,
                "): its postings are not the sums of the splits its jobs list");
  const auto id = std::to_string(seq);
  for (const GroupedSettlement& j : group->jobs) {
    hold_jobs_[{group->hold_id, j.job_id}] = {
        std::to_string(group->hold_id),  j.job_id, id, "settled", j.worker,
        std::to_string(j.split.total()), "0"};
    grouped_keys_[{0, j.key}] = {j.key, id};
  }
  auto finalized = to_int(hold->second[kHoldFinalized]);
  hold->second[kHoldFinalized] =
      std::to_string((finalized ? *finalized : 0) + static_cast<std::int64_t>(group->jobs.size()));
  return {};
}

Result<void> DerivedTables::add(std::uint64_t seq, std::string_view op, std::string_view request,
                                std::span<const Posting> postings) {
  if (op == kSettleGroupOp) return add_settle_group(seq, request, postings);
  const bool job_outcome = op == "settle" || op == "cancel" || op == "refund";
  if (op != "hold" && !job_outcome && op != "release" && op != "slash") return {};
  auto f = Fields::of(seq, op, request);
  if (!f) return pass_on(f);
  const auto id = static_cast<std::int64_t>(seq);
  if (op == "hold") {
    Row row{std::to_string(id)};
    for (const char* name : {"request_id", "payer", "base_render_millis", "steps", "width",
                             "height", "tier", "count", "img2img", "previews"}) {
      auto v = f->text(name);
      if (!v) return pass_on(v);
      row.push_back(*v);
    }
    if (row[7] != "fast" && row[7] != "relaxed")
      return fail("entry ", seq, " (hold) has tier '", row[7], "'");
    row[7] = std::string(row[7] == "fast" ? kFalse : kTrue);
    auto count = f->number("count");
    if (!count) return pass_on(count);
    if (*count <= 0) return fail("entry ", seq, " (hold) has count ", *count);
    // A request holds count x the job price (pricing.hpp), so the price is exact.
    row.push_back(std::to_string(hold_net(postings, id) / *count));
    row.push_back(std::to_string(*count));
    row.push_back("0");  // finalized: counted as the jobs come
    row.push_back("0");  // released
    holds_[{id, ""}] = std::move(row);
    return {};
  }
  auto hold_id = f->number("hold");
  if (!hold_id) return pass_on(hold_id);
  if (op == "slash") {
    auto verdict = f->text("verdict");
    if (!verdict) return pass_on(verdict);
    verdicts_[{0, *verdict}] = {*verdict, std::to_string(id)};
    if (*hold_id == 0) return {};
    auto job = f->text("job");
    if (!job) return pass_on(job);
    auto it = hold_jobs_.find({*hold_id, *job});
    if (it == hold_jobs_.end())
      return fail("entry ", seq, " (slash) refunds job ", *job, " of hold ", *hold_id,
                  ", which no earlier entry paid");
    it->second[kJobClawedBack] = std::string(kTrue);
    return {};
  }
  auto hold = holds_.find({*hold_id, ""});
  if (hold == holds_.end())
    return fail("entry ", seq, " (", op, ") names hold ", *hold_id, ", which no hold entry opened");
  if (op == "release") {
    hold->second[kHoldReleased] = std::string(kTrue);
    return {};
  }
  auto job = f->text("job");
  if (!job) return pass_on(job);
  std::string worker;
  if (op != "refund") {
    auto w = f->text("worker");
    if (!w) return pass_on(w);
    worker = *w;
  }
  const std::string outcome = op == "settle"   ? "settled"
                              : op == "cancel" ? "cancelled"
                                               : "refunded";
  const std::int64_t paid = op == "refund" ? 0 : -hold_net(postings, *hold_id);
  hold_jobs_[{*hold_id, *job}] = {
      std::to_string(*hold_id), *job, std::to_string(id), outcome, worker,
      std::to_string(paid),     "0"};
  auto finalized = to_int(hold->second[kHoldFinalized]);
  hold->second[kHoldFinalized] = std::to_string((finalized ? *finalized : 0) + 1);
  return {};
}

Result<std::vector<std::string>> DerivedTables::disagreements(storage::Database& db,
                                                              std::size_t max_listed) {
  std::vector<std::string> out;
  // A version 1 ledger (never opened for writing by a newer treasury) has no grouped_keys table;
  // it cannot hold grouped entries either, which the meta row's comparison then reports.
  auto stored_meta = stored_rows(db, kMeta);
  if (!stored_meta) return pass_on(stored_meta);
  const bool version_1 = std::any_of(stored_meta->begin(), stored_meta->end(), [](const Row& r) {
    return r[0] == "schema_version" && r[1] == "1";
  });
  if (version_1 && grouped_keys_.empty()) meta_[{0, "schema_version"}][1] = std::string("1");
  const std::pair<const TableSpec*, const std::map<RowKey, Row>*> tables[] = {
      {&kHolds, &holds_},
      {&kHoldJobs, &hold_jobs_},
      {&kGroupedKeys, &grouped_keys_},
      {&kVerdicts, &verdicts_},
      {&kMeta, &meta_}};
  for (const auto& [spec, derived] : tables) {
    if (spec == &kGroupedKeys && version_1) continue;
    auto stored = stored_rows(db, *spec);
    if (!stored) return pass_on(stored);
    compare_table(*spec, *derived, *stored, out);
  }
  if (out.size() > max_listed) {
    const std::size_t rest = out.size() - max_listed;
    out.resize(max_listed);
    out.push_back(message_of("... and ", rest, " more"));
  }
  return out;
}

}  // namespace seedgrid::treasury
