#include "actors/treasury/settle_group.hpp"

#include <algorithm>
#include <charconv>

#include "actors/treasury/accounts.hpp"
#include "actors/treasury/journal.hpp"

namespace seedgrid::treasury {

namespace {

// The fields of one job, in the order the text lists them.
constexpr std::string_view kJobFields[] = {"key",         "job",          "worker",   "creator",
                                           "worker_paid", "creator_paid", "platform", "burned"};

Result<std::int64_t> number_of(std::string_view name, std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return fail("field '", name, "' is '", text, "', not an integer");
  return v;
}

}  // namespace

std::string settle_group_text(const SettleGroup& group) {
  journal::RequestText text;
  text.field("hold", group.hold_id).field("jobs", static_cast<std::int64_t>(group.jobs.size()));
  for (const GroupedSettlement& j : group.jobs)
    text.field("key", j.key)
        .field("job", j.job_id)
        .field("worker", j.worker)
        .field("creator", j.creator)
        .field("worker_paid", j.split.worker)
        .field("creator_paid", j.split.creator)
        .field("platform", j.split.platform)
        .field("burned", j.split.burned);
  return text.text();
}

Result<SettleGroup> parse_settle_group(std::string_view request) {
  auto fields = journal::request_fields(request);
  if (!fields) return pass_on(fields);
  const auto& f = *fields;
  if (f.size() < 2 || f[0].first != "hold" || f[1].first != "jobs")
    return fail("a settle_jobs request starts with hold= and jobs=");
  SettleGroup group;
  auto hold = number_of("hold", f[0].second);
  if (!hold) return pass_on(hold);
  auto count = number_of("jobs", f[1].second);
  if (!count) return pass_on(count);
  constexpr std::size_t kPerJob = std::size(kJobFields);
  if (*count < 1 || static_cast<std::uint64_t>(*count) > (f.size() - 2) / kPerJob ||
      f.size() != 2 + static_cast<std::size_t>(*count) * kPerJob)
    return fail("a settle_jobs request of ", *count, " jobs has ", f.size() - 2,
                " job fields, not ", kPerJob, " a job");
  group.hold_id = *hold;
  for (std::size_t i = 2; i < f.size(); i += kPerJob) {
    for (std::size_t k = 0; k < kPerJob; ++k)
      if (f[i + k].first != kJobFields[k])
        return fail("job ", (i - 2) / kPerJob, " of a settle_jobs request has '", f[i + k].first,
                    "' where '", kJobFields[k], "' belongs");
    GroupedSettlement j{f[i].second, f[i + 1].second, f[i + 2].second, f[i + 3].second, {}};
    Micros* parts[] = {&j.split.worker, &j.split.creator, &j.split.platform, &j.split.burned};
    for (std::size_t k = 0; k < 4; ++k) {
      auto v = number_of(kJobFields[4 + k], f[i + 4 + k].second);
      if (!v) return context(v.error(), "job ", j.job_id);
      *parts[k] = *v;
    }
    group.jobs.push_back(std::move(j));
  }
  return group;
}

std::vector<Posting> settlement_postings(std::int64_t hold_id, const std::string& worker,
                                         const std::string& creator, const PaymentSplit& split) {
  std::vector<Posting> postings;
  auto add = [&](std::string account, Micros value) {
    if (value != 0) postings.push_back({std::move(account), Asset::credits, value});
  };
  add(journal::hold_account(hold_id), -split.total());
  add(worker, split.worker);
  add(creator, split.creator);
  add(std::string(kPlatformAccount), split.platform);
  add(std::string(kBurnAccount), split.burned);
  return postings;
}

std::vector<Posting> settle_group_postings(const SettleGroup& group) {
  std::vector<Posting> sums;
  for (const GroupedSettlement& j : group.jobs)
    for (Posting& p : settlement_postings(group.hold_id, j.worker, j.creator, j.split)) {
      // A group lists tens of jobs and a handful of accounts: a linear search is the cheap one.
      auto it = std::find_if(sums.begin(), sums.end(),
                             [&](const Posting& s) { return s.account == p.account; });
      if (it == sums.end())
        sums.push_back(std::move(p));
      else
        it->amount += p.amount;
    }
  return sums;
}

std::string settle_request_text(std::int64_t hold_id, std::string_view job_id,
                                std::string_view worker, std::string_view creator) {
  return journal::RequestText()
      .field("hold", hold_id)
      .field("job", job_id)
      .field("worker", worker)
      .field("creator", creator)
      .text();
}

std::vector<SettledJob> settled_jobs(const JournalEntry& entry) {
  std::vector<SettledJob> out;
  if (entry.op == kSettleGroupOp) {
    auto group = parse_settle_group(entry.request);
    if (!group) return out;
    for (GroupedSettlement& j : group->jobs)
      out.push_back({group->hold_id, std::move(j.key), std::move(j.job_id), std::move(j.worker)});
  } else if (entry.op == "settle") {
    auto fields = journal::request_fields(entry.request);
    if (!fields) return out;
    SettledJob job{0, entry.key, {}, {}};
    for (auto& [name, value] : *fields) {
      if (name == "hold") job.hold_id = number_of("hold", value).value_or(0);
      if (name == "job") job.job_id = std::move(value);
      if (name == "worker") job.worker = std::move(value);
    }
    out.push_back(std::move(job));
  }
  return out;
}

}  // namespace seedgrid::treasury
