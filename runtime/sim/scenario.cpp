#include "runtime/sim/scenario.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "runtime/sim/cheat_detection.hpp"

namespace seedgrid::sim {

namespace json = boost::json;

namespace {

// Reads one JSON object's keys, remembering every problem with its path and refusing unknown keys.
class Reader {
 public:
  Reader(const json::value* v, std::string path, std::vector<std::string>& problems)
      : path_(std::move(path)), problems_(problems) {
    if (v == nullptr) return;
    object_ = v->if_object();
    if (object_ == nullptr) problems_.push_back(path_ + ": expected an object");
  }
  ~Reader() {
    if (object_ == nullptr) return;
    for (const auto& kv : *object_)
      if (!known_.contains(std::string(kv.key())))
        problems_.push_back(path_ + "." + std::string(kv.key()) + ": unknown key");
  }
  std::string path(std::string_view key) const { return path_ + "." + std::string(key); }
  const json::value* raw(std::string_view key) {
    known_.insert(std::string(key));
    if (object_ == nullptr) return nullptr;
    auto it = object_->find(key);
    return it == object_->end() ? nullptr : &it->value();
  }
  void text(std::string_view key, std::string& out) {
    if (const auto* v = raw(key)) {
      if (v->is_string())
        out = std::string(v->get_string());
      else
        problems_.push_back(path(key) + ": expected a string");
    }
  }
  void flag(std::string_view key, bool& out) {
    if (const auto* v = raw(key)) {
      if (v->is_bool())
        out = v->get_bool();
      else
        problems_.push_back(path(key) + ": expected true or false");
    }
  }
  void number(std::string_view key, double& out, double min, double max) {
    const auto* v = raw(key);
    if (v == nullptr) return;
    if (!v->is_number()) {
      problems_.push_back(path(key) + ": expected a number");
      return;
    }
    const double d = v->to_number<double>();
    if (d < min || d > max) {
      std::ostringstream m;
      m << path(key) << ": expected a number from " << min << " to " << max << ", got " << d;
      problems_.push_back(m.str());
      return;
    }
    out = d;
  }
  template <class Int>
  void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    const auto* v = raw(key);
    if (v == nullptr) return;
    std::int64_t i = 0;
    if (v->is_int64())
      i = v->get_int64();
    else if (v->is_uint64() && v->get_uint64() <= std::uint64_t(max))
      i = std::int64_t(v->get_uint64());
    else {
      problems_.push_back(path(key) + ": expected an integer from " + std::to_string(min) + " to " +
                          std::to_string(max));
      return;
    }
    if (i < min || i > max) {
      problems_.push_back(path(key) + ": expected an integer from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", got " + std::to_string(i));
      return;
    }
    out = static_cast<Int>(i);
  }
  const json::array* array(std::string_view key) {
    const auto* v = raw(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) problems_.push_back(path(key) + ": expected an array");
    return v->if_array();
  }

 private:
  const json::object* object_ = nullptr;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> known_;
};

constexpr std::int64_t kDay = 86'400'000;

void read_cheaters(const json::value& v, const std::string& path, CheaterGroup& c,
                   std::vector<std::string>& problems) {
  Reader r(&v, path, problems);
  r.text("kind", c.kind);
  r.integer("count", c.count, 0, 1'000'000);
  r.number("share", c.share, 0.0, 1.0);
  if (!cheat_detection(c.kind)) {
    std::string kinds;
    for (const auto& k : cheat_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
    problems.push_back(path + ".kind: '" + c.kind + "' is not a cheat of the zoo (" + kinds + ")");
  }
}

void read_workers(const json::value& v, const std::string& path, WorkerGroup& w,
                  std::vector<std::string>& problems) {
  Reader r(&v, path, problems);
  r.text("name", w.name);
  r.integer("count", w.count, 0, 1'000'000);
  r.text("class", w.determinism_class);
  r.number("seconds_per_image", w.seconds_per_image, 0.001, 86'400.0);
  r.number("speed_spread", w.speed_spread, 0.0, 2.0);
  r.number("jitter", w.jitter, 0.0, 2.0);
  r.flag("fast", w.fast);
  r.flag("relaxed", w.relaxed);
  r.integer("max_inflight", w.max_inflight, 1, 1'024);
  r.number("crash_per_job", w.crash_per_job, 0.0, 1.0);
  r.integer("restart_ms", w.restart_ms, 0, kDay);
  r.number("straggler_share", w.straggler_share, 0.0, 1.0);
  r.number("straggler_factor", w.straggler_factor, 1.0, 1'000.0);
  r.integer("link_extra_ms", w.link_extra_ms, 0, kDay);
  r.integer("start_ms", w.start_ms, 0, kDay);
  r.integer("start_spread_ms", w.start_spread_ms, 0, kDay);
  r.integer("leave_ms", w.leave_ms, -1, kDay);
  r.number("leave_share", w.leave_share, 0.0, 1.0);
  if (w.leave_share > 0.0 && w.leave_ms < 0)
    problems.push_back(path + ".leave_share: " + std::to_string(w.leave_share) +
                       " of the group leave, but leave_ms (when) is not set");
  std::uint64_t cheating = 0;
  if (const auto* a = r.array("cheaters"))
    for (std::size_t i = 0; i < a->size(); ++i) {
      CheaterGroup c;
      read_cheaters((*a)[i], path + ".cheaters[" + std::to_string(i) + "]", c, problems);
      cheating += c.count;
      w.cheaters.push_back(std::move(c));
    }
  if (cheating > w.count)
    problems.push_back(path + ".cheaters: " + std::to_string(cheating) +
                       " cheaters in a group of " + std::to_string(w.count) + " workers");
  if (!w.fast && !w.relaxed) problems.push_back(path + ": serves neither tier");
}

// The node config's coordinator section with the scenario's keys laid over its defaults, read
// by the node config's own parser (so the simulation runs the policy a real node would).
Result<config::CoordinatorSection> coordinator_of(const json::value* overrides,
                                                  std::string_view source) {
  auto defaults = config::default_config("coordinator");
  if (!defaults) return pass_on(defaults);
  json::value doc = json::parse(config::to_json_text(*defaults));
  if (overrides != nullptr) {
    if (!overrides->is_object())
      return fail(source,
                  ": $.coordinator: expected an object (a node config's coordinator section)");
    // One level of merging: a section given replaces only the keys it names.
    auto& target = doc.as_object()["coordinator"].as_object();
    for (const auto& kv : overrides->get_object()) {
      auto* existing = target.if_contains(kv.key());
      if (existing != nullptr && existing->is_object() && kv.value().is_object())
        for (const auto& inner : kv.value().get_object())
          existing->as_object()[inner.key()] = inner.value();
      else
        target[kv.key()] = kv.value();
    }
  }
  auto parsed = config::parse_node_config(json::serialize(doc),
                                          std::string(source) + " (its $.coordinator section)");
  if (!parsed) return pass_on(parsed);
  return *parsed->coordinator;
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view text, std::string_view source) {
  json::value doc;
  try {
    doc = json::parse(text);
  } catch (const std::exception& e) {
    return fail(source, ": not JSON: ", e.what());
  }
  Scenario s;
  std::vector<std::string> problems;
  const json::value* coordinator = nullptr;
  {
    Reader r(&doc, "$", problems);
    r.text("name", s.name);
    r.text("description", s.description);
    r.integer("seed", s.seed, 0, std::numeric_limits<std::int64_t>::max());
    if (Reader image(r.raw("image"), "$.image", problems); true) {
      image.integer("width", s.width, 8, 4'096);
      image.integer("height", s.height, 8, 4'096);
      image.integer("steps", s.steps, 1, 150);
    }
    r.integer("link_min_ms", s.link_min_ms, 0, kDay);
    r.integer("link_max_ms", s.link_max_ms, 0, kDay);
    r.integer("treasury_ms", s.treasury_ms, 0, kDay);
    r.integer("tick_ms", s.tick_ms, 1, kDay);
    r.integer("users", s.users, 1, 1'000'000);
    r.integer("check_every_events", s.check_every_events, 1, std::int64_t(1) << 40);
    r.integer("coordinators", s.coordinators, 1, 64);
    r.integer("coordinator_call_us", s.coordinator_call_us, 0, 60'000'000);
    r.integer("offer_after_ms", s.offer_after_ms, 0, kDay);
    r.flag("sequential", s.sequential);
    if (const auto* a = r.array("workers"))
      for (std::size_t i = 0; i < a->size(); ++i) {
        WorkerGroup w;
        read_workers((*a)[i], "$.workers[" + std::to_string(i) + "]", w, problems);
        s.workers.push_back(std::move(w));
      }
    if (const auto* a = r.array("validators"))
      for (std::size_t i = 0; i < a->size(); ++i) {
        ValidatorGroup g;
        Reader v(&(*a)[i], "$.validators[" + std::to_string(i) + "]", problems);
        v.integer("count", g.count, 0, 1'000'000);
        v.text("class", g.determinism_class);
        v.number("audit_seconds", g.audit_seconds, 0.0, 86'400.0);
        s.validators.push_back(std::move(g));
      }
    if (const auto* a = r.array("batches"))
      for (std::size_t i = 0; i < a->size(); ++i) {
        Batch b;
        const std::string path = "$.batches[" + std::to_string(i) + "]";
        Reader v(&(*a)[i], path, problems);
        v.integer("images", b.images, 1, std::int64_t(1) << 40);
        v.integer("request_size", b.request_size, 1, 1'000'000);
        v.text("tier", b.tier);
        v.number("expect_s", b.expect_s, 0.0, 1e9);
        v.integer("at_ms", b.at_ms, 0, std::int64_t(1) << 50);
        if (b.tier != "fast" && b.tier != "relaxed")
          problems.push_back(path + ".tier: expected \"fast\" or \"relaxed\", got \"" + b.tier +
                             "\"");
        s.batches.push_back(std::move(b));
      }
    if (Reader v(r.raw("random"), "$.random", problems); true) {
      auto& q = s.random;
      v.integer("requests", q.requests, 0, 100'000'000);
      v.number("mean_gap_ms", q.mean_gap_ms, 0.0, 1e9);
      v.integer("count_min", q.count_min, 1, 100'000);
      v.integer("count_max", q.count_max, 1, 100'000);
      v.number("fast_share", q.fast_share, 0.0, 1.0);
      v.number("cancel_share", q.cancel_share, 0.0, 1.0);
      v.number("cancel_after_ms", q.cancel_after_ms, 0.0, 1e9);
      if (q.count_min > q.count_max) problems.push_back("$.random: count_min above count_max");
    }
    r.integer("link_timeout_ms", s.link_timeout_ms, 0, kDay);
    if (const auto* a = r.array("partitions"))
      for (std::size_t i = 0; i < a->size(); ++i) {
        Partition p;
        const std::string path = "$.partitions[" + std::to_string(i) + "]";
        Reader v(&(*a)[i], path, problems);
        v.integer("at_ms", p.at_ms, 0, std::int64_t(1) << 50);
        v.integer("duration_ms", p.duration_ms, 0, std::int64_t(1) << 50);
        v.number("share", p.share, 0.0, 1.0);
        v.flag("treasury", p.treasury);
        v.flag("validators", p.validators);
        if (const auto* g = v.array("groups"))
          for (std::size_t k = 0; k < g->size(); ++k) {
            if (!(*g)[k].is_string()) {
              problems.push_back(path + ".groups[" + std::to_string(k) +
                                 "]: expected a group name");
              continue;
            }
            p.groups.emplace_back((*g)[k].get_string());
          }
        s.partitions.push_back(std::move(p));
      }
    coordinator = r.raw("coordinator");
  }
  if (s.link_min_ms > s.link_max_ms) problems.push_back("$.link_min_ms: above link_max_ms");
  if (s.workers.empty()) problems.push_back("$.workers: a scenario needs at least one group");
  for (std::size_t i = 0; i < s.partitions.size(); ++i) {
    const Partition& p = s.partitions[i];
    const std::string path = "$.partitions[" + std::to_string(i) + "]";
    if (p.treasury && p.validators)
      problems.push_back(path +
                         ": a partition cuts the treasury or validators, not both; give "
                         "each a partition of its own");
    else if ((p.treasury || p.validators) && !p.groups.empty())
      problems.push_back(path + ".groups: a " + (p.treasury ? "treasury" : "validator") +
                         " partition cuts no workers; use a partition of its own for workers");
  }
  for (std::size_t i = 0; i < s.partitions.size(); ++i)
    for (const auto& name : s.partitions[i].groups)
      if (std::none_of(s.workers.begin(), s.workers.end(),
                       [&](const WorkerGroup& w) { return w.name == name; }))
        problems.push_back("$.partitions[" + std::to_string(i) + "].groups: no worker group '" +
                           name + "'");
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += "\n  " + p;
    return fail(source, ": ", problems.size(), " problem", problems.size() == 1 ? "" : "s", ":",
                all);
  }
  auto section = coordinator_of(coordinator, source);
  if (!section) return pass_on(section);
  s.coordinator = std::move(*section);
  for (const auto& b : s.batches)
    if (b.request_size > s.coordinator.limits.max_count)
      return fail(source, ": $.batches: request_size ", b.request_size,
                  " is above the coordinator's limits.max_count ", s.coordinator.limits.max_count,
                  " (raise $.coordinator.limits.max_count or split the batch)");
  return s;
}

Result<Scenario> load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read scenario ", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace seedgrid::sim
