#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/duplicate_keys.hpp"
#include "config/json_fields.hpp"
#include "config/node_config.hpp"
#include "config/thresholds_fields.hpp"
#include "models/backend/backend_choice.hpp"
#include "models/pipeline/render_limits.hpp"

namespace seedgrid::config {

namespace json = boost::json;
using detail::Fields;
using detail::Problems;

namespace {

bool is_lower_hex(std::string_view s, std::size_t digits) {
  return s.size() == digits && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Relative paths in a config file mean "next to the config file".
struct PathResolver {
  std::string base_dir;
  void operator()(std::string& path) const {
    // A URI (a PostgreSQL database, `postgresql://...`) names no file to resolve.
    if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute() ||
        path.find("://") != std::string::npos)
      return;
    path = (std::filesystem::path(base_dir) / path).lexically_normal().string();
  }
};

void read_endpoint(Fields& parent, std::string_view key, Endpoint& out, bool required,
                   std::uint16_t min_port, Problems& problems) {
  const json::value* v = parent.raw(key, required);
  if (v == nullptr) return;
  Fields f(*v, parent.path_of(key), problems);
  f.string("host", out.host, true, true);
  f.u16("port", out.port, min_port, 65535, true);
  f.finish();
}

std::optional<Endpoint> read_optional_endpoint(Fields& parent, std::string_view key,
                                               std::uint16_t min_port, Problems& problems) {
  if (!parent.has(key)) {
    parent.raw(key);
    return std::nullopt;
  }
  Endpoint e;
  read_endpoint(parent, key, e, true, min_port, problems);
  return e;
}

template <class Item, class ReadItem>
void read_array(Fields& parent, std::string_view key, std::vector<Item>& out, bool required,
                bool non_empty, Problems& problems, ReadItem read_item) {
  const json::value* v = parent.raw(key, required);
  if (v == nullptr) return;
  const json::array* items = v->if_array();
  if (items == nullptr) {
    problems.add(parent.path_of(key) + ": expected an array, got " + detail::describe_value(*v));
    return;
  }
  if (non_empty && items->empty()) {
    problems.add(parent.path_of(key) + ": expected at least one entry");
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < items->size(); ++i) {
    Item item{};
    read_item((*items)[i], parent.path_of(key) + "[" + std::to_string(i) + "]", item);
    out.push_back(std::move(item));
  }
}

void read_node(const json::value& v, NodeSection& n, Problems& problems) {
  Fields f(v, "$.node", problems);
  f.string("name", n.name);
  f.string("key_file", n.key_file, true, true);
  f.string("data_dir", n.data_dir);
  f.choice("log_level", n.log_level, {"trace", "debug", "info", "warn", "error", "off"});
  f.string("log_file", n.log_file);
  std::int64_t max_bytes = static_cast<std::int64_t>(n.log_max_bytes);
  f.i64("log_max_bytes", max_bytes, 0, std::int64_t(1) << 50);
  n.log_max_bytes = static_cast<std::uint64_t>(max_bytes);
  f.u32("log_keep_files", n.log_keep_files, 0, 1000);
  f.finish();
}

void read_network(const json::value& v, NetworkSection& n, Problems& problems) {
  Fields f(v, "$.network", problems);
  f.u32("heartbeat_interval_ms", n.heartbeat_interval_ms, 0, 600'000);
  f.u32("connection_timeout_ms", n.connection_timeout_ms, 0, 3'600'000);
  f.u32("reconnect_initial_ms", n.reconnect_initial_ms, 10, 600'000);
  f.u32("reconnect_max_ms", n.reconnect_max_ms, 10, 3'600'000);
  f.boolean("insecure", n.insecure);
  f.finish();
  if (n.reconnect_max_ms < n.reconnect_initial_ms)
    problems.add("$.network.reconnect_max_ms: must be at least reconnect_initial_ms (" +
                 std::to_string(n.reconnect_initial_ms) + "), got " +
                 std::to_string(n.reconnect_max_ms));
  if (n.heartbeat_interval_ms > 0 && n.connection_timeout_ms > 0 &&
      n.connection_timeout_ms <= n.heartbeat_interval_ms)
    problems.add("$.network.connection_timeout_ms: must exceed heartbeat_interval_ms (" +
                 std::to_string(n.heartbeat_interval_ms) + "), got " +
                 std::to_string(n.connection_timeout_ms));
}

void read_catalog_model(const json::value& v, const std::string& path, CatalogModel& m,
                        Problems& problems) {
  Fields f(v, path, problems);
  f.string("id", m.id);
  f.string("path", m.path);
  f.string("name", m.name);
  f.string("creator", m.creator);
  f.i64("base_render_millis", m.base_render_millis, 1, 1'000'000'000);
  f.u32("size_multiple", m.size_multiple, 1, kMaxImageSide);
  f.finish();
  if (!f.valid()) return;
  if (m.id.empty() == m.path.empty())
    problems.add(path + ": give exactly one of \"id\" (the model id) or \"path\" (a checkpoint)");
  if (!m.path.empty() && m.size_multiple != 0)
    problems.add(path + ".size_multiple: a model given by \"path\" reads it from its checkpoint; " +
                 "declare it only for a model given by \"id\"");
  if (!m.id.empty() && m.size_multiple == 0) m.size_multiple = 64;
  if (!m.id.empty())
    if (auto limits = render_limits_of_size_multiple(static_cast<int>(m.size_multiple)); !limits)
      problems.add(path + ".size_multiple: " + limits.error().message);
  if (!m.id.empty() && !is_lower_hex(m.id, 64))
    problems.add(path + ".id: expected 64 lowercase hex digits (a model id), got \"" + m.id + "\"");
  if (!m.creator.empty() && m.creator.rfind("creator:", 0) != 0)
    problems.add(path + ".creator: expected a ledger account \"creator:NAME\", got \"" + m.creator +
                 "\"");
}

// Names requests use: an identifier that is not a built-in task type (those render in C++).
void read_task_type(const json::value& v, const std::string& path, TaskTypeSource& t,
                    Problems& problems) {
  Fields f(v, path, problems);
  f.string("name", t.name, true);
  f.string("path", t.path, true);
  f.finish();
  if (!f.valid()) return;
  const bool identifier = !t.name.empty() && t.name.size() <= 40 &&
                          !(t.name[0] >= '0' && t.name[0] <= '9') &&
                          std::all_of(t.name.begin(), t.name.end(), [](char ch) {
                            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                   (ch >= '0' && ch <= '9') || ch == '_';
                          });
  if (!identifier)
    problems.add(path + ".name: expected an identifier of 1..40 letters, digits and '_' (not " +
                 "starting with a digit), got \"" + t.name + "\"");
  else if (t.name == "txt2img" || t.name == "instant")
    problems.add(path + ".name: \"" + t.name + "\" is a built-in task type; give the script " +
                 "another name");
  if (t.path.empty()) problems.add(path + ".path: expected the task script's .lua file");
}

void read_coordinator(const json::value& v, CoordinatorSection& c, Problems& problems) {
  Fields f(v, "$.coordinator", problems);
  read_endpoint(f, "listen", c.listen, false, 0, problems);
  c.treasury = read_optional_endpoint(f, "treasury", 1, problems);
  f.string("treasury_key", c.treasury_key);
  f.string("journal", c.journal);
  if (!c.treasury_key.empty() && !is_lower_hex(c.treasury_key, 64))
    problems.add(
        "$.coordinator.treasury_key: expected the treasury node's id (64 lowercase hex "
        "digits), got \"" +
        c.treasury_key + "\"");
  read_array(f, "models", c.models, true, true, problems,
             [&](const json::value& item, const std::string& path, CatalogModel& m) {
               read_catalog_model(item, path, m, problems);
             });
  f.boolean("benchmark_tasks", c.benchmark_tasks);
  read_array(f, "task_types", c.task_types, false, false, problems,
             [&](const json::value& item, const std::string& path, TaskTypeSource& t) {
               read_task_type(item, path, t, problems);
             });
  for (std::size_t i = 0; i < c.task_types.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!c.task_types[i].name.empty() && c.task_types[i].name == c.task_types[j].name)
        problems.add("$.coordinator.task_types[" + std::to_string(i) + "].name: \"" +
                     c.task_types[i].name + "\" is already task_types[" + std::to_string(j) + "]");
  f.u32("challenge_ttl_ms", c.challenge_ttl_ms, 100, 3'600'000);
  f.u32("stake_refresh_ms", c.stake_refresh_ms, 100, 86'400'000);
  read_array(f, "validator_allowlist", c.validator_allowlist, false, false, problems,
             [&](const json::value& item, const std::string& path, std::string& key) {
               if (item.is_string() && is_lower_hex(item.get_string(), 64)) {
                 key = std::string(item.get_string());
                 return;
               }
               problems.add(path +
                            ": expected a validator's node id (64 lowercase hex digits: `seedgrid "
                            "keygen --show --out KEY_FILE` prints it), got " +
                            detail::describe_value(item));
             });
  f.i64("validator_min_stake", c.validator_min_stake, 1, std::int64_t{1} << 56);
  if (const json::value* lv = f.raw("limits")) {
    Fields l(*lv, f.path_of("limits"), problems);
    l.u32("max_count", c.limits.max_count, 1, 512);
    l.u32("max_width", c.limits.max_width, 8, 8192);
    l.u32("max_height", c.limits.max_height, 8, 8192);
    l.u32("max_steps", c.limits.max_steps, 1, 1000);
    l.number("max_guidance", c.limits.max_guidance, 0.0, 1000.0);
    l.u32("max_prompt_bytes", c.limits.max_prompt_bytes, 1, 1'000'000);
    l.finish();
  }
  if (const json::value* rv = f.raw("routing")) {
    Fields r(*rv, f.path_of("routing"), problems);
    r.u32("max_workers_per_request", c.routing.max_workers_per_request, 1, 1024);
    r.number("reputation_weight", c.routing.reputation_weight, 0.0, 16.0);
    r.number("foreign_worker_weight", c.routing.foreign_worker_weight, 0.0, 1.0);
    r.finish();
  }
  if (const json::value* dv = f.raw("deadlines")) {
    Fields d(*dv, f.path_of("deadlines"), problems);
    d.u32("base_ms", c.deadlines.base_ms, 0, 86'400'000);
    d.number("slack", c.deadlines.slack, 1.0, 1000.0);
    d.u32("min_ms", c.deadlines.min_ms, 10, 86'400'000);
    d.u32("max_ms", c.deadlines.max_ms, 10, 86'400'000);
    d.u32("cancel_grace_ms", c.deadlines.cancel_grace_ms, 10, 3'600'000);
    d.u32("queue_ms", c.deadlines.queue_ms, 10, 86'400'000);
    d.finish();
    if (c.deadlines.max_ms < c.deadlines.min_ms)
      problems.add("$.coordinator.deadlines.max_ms: must be at least min_ms (" +
                   std::to_string(c.deadlines.min_ms) + ")");
  }
  if (const json::value* rv = f.raw("retries")) {
    Fields r(*rv, f.path_of("retries"), problems);
    r.u32("max_attempts", c.retries.max_attempts, 1, 100);
    r.finish();
  }
  if (const json::value* av = f.raw("audit")) {
    Fields a(*av, f.path_of("audit"), problems);
    a.number("rate", c.audit.rate, 0.0, 1.0);
    a.number("max_rate", c.audit.max_rate, 0.0, 1.0);
    a.u32("timeout_ms", c.audit.timeout_ms, 10, 86'400'000);
    a.u32("blacklist_after", c.audit.blacklist_after, 1, 1'000'000);
    a.u32("step_audits", c.audit.step_audits, 0, 1'000);
    a.number("full_rate", c.audit.full_rate, 0.0, 1.0);
    a.boolean("same_class_first", c.audit.same_class_first);
    a.u32("same_class_slack", c.audit.same_class_slack, 0, 1'000);
    a.u32("opening_timeout_ms", c.audit.opening_timeout_ms, 10, 3'600'000);
    a.u32("new_worker_results", c.audit.new_worker_results, 0, 1'000'000'000);
    a.number("new_worker_rate", c.audit.new_worker_rate, 0.0, 1.0);
    a.number("low_reputation", c.audit.low_reputation, 0.0, 1.0);
    a.number("low_reputation_rate", c.audit.low_reputation_rate, 0.0, 1.0);
    a.number("detection", c.audit.detection, 0.001, 1.0);
    a.i64("stake_at_risk", c.audit.stake_at_risk, 0, std::int64_t(1) << 53);
    a.i64("job_reward", c.audit.job_reward, 0, std::int64_t(1) << 53);
    a.i64("compute_saved", c.audit.compute_saved, 0, std::int64_t(1) << 53);
    a.boolean("appeals", c.audit.appeals);
    a.u32("appeal_window_ms", c.audit.appeal_window_ms, 0, 86'400'000);
    a.finish();
    if (c.audit.max_rate < c.audit.rate)
      problems.add("$.coordinator.audit.max_rate: must be at least rate (" +
                   json::serialize(json::value(c.audit.rate)) + ")");
  }
  if (const json::value* rv = f.raw("reputation")) {
    Fields r(*rv, f.path_of("reputation"), problems);
    r.number("alpha", c.reputation.alpha, 0.001, 1.0);
    r.number("initial", c.reputation.initial, 0.0, 1.0);
    r.number("success_weight", c.reputation.success_weight, 0.0, 1.0);
    r.number("latency_weight", c.reputation.latency_weight, 0.0, 1.0);
    r.number("uptime_weight", c.reputation.uptime_weight, 0.0, 1.0);
    r.number("audit_weight", c.reputation.audit_weight, 0.0, 1.0);
    r.finish();
    const auto& p = c.reputation;
    const double sum = p.success_weight + p.latency_weight + p.uptime_weight + p.audit_weight;
    if (r.valid() && (sum < 0.999 || sum > 1.001))
      problems.add("$.coordinator.reputation: the four weights must sum to 1, they sum to " +
                   json::serialize(json::value(sum)));
  }
  f.finish();
}

void read_treasury(const json::value& v, TreasurySection& t, Problems& problems) {
  Fields f(v, "$.treasury", problems);
  t.listen = read_optional_endpoint(f, "listen", 0, problems);
  f.string("database", t.database);
  f.string("key_file", t.key_file);
  f.u32("batch_max", t.batch_max, 1, 100'000);
  if (const json::value* ev = f.raw("economics")) {
    Fields e(*ev, f.path_of("economics"), problems);
    if (const json::object* obj = ev->if_object()) {
      for (const auto& kv : *obj) {
        const std::string key(kv.key());
        if (key == "fee_tiers") {
          std::vector<FeeTierValue> tiers;
          read_array(e, "fee_tiers", tiers, false, true, problems,
                     [&](const json::value& item, const std::string& path, FeeTierValue& tier) {
                       Fields tf(item, path, problems);
                       tf.i64("stake_above_minimum", tier.stake_above_minimum, 0, INT64_MAX, true);
                       tf.i64("fee_ppm", tier.fee_ppm, 0, 1'000'000, true);
                       tf.finish();
                     });
          t.fee_tiers = std::move(tiers);
          continue;
        }
        EconomicsValue ev_value{key, 0};
        e.i64(key, ev_value.value, INT64_MIN, INT64_MAX, true);
        t.economics.push_back(std::move(ev_value));
      }
    }
    // Key names are checked against the ledger's own list when the treasury starts.
  }
  f.finish();
}

void read_rendering(Fields& f, RenderingSection& r, Problems& problems) {
  read_array(f, "models", r.models, true, true, problems,
             [&](const json::value& item, const std::string& path, ModelSource& m) {
               Fields mf(item, path, problems);
               mf.string("path", m.path, true, true);
               mf.string("tokenizer_dir", m.tokenizer_dir);
               mf.finish();
             });
  f.choice("device", r.device, backend_devices());
  f.string("precision", r.precision);
  // An unknown device is already reported; its precision cannot be judged.
  const auto& devices = backend_devices();
  if (std::find(devices.begin(), devices.end(), r.device) != devices.end())
    if (auto ok = resolve_precision(r.device, r.precision); !ok)
      problems.add(f.path_of("precision") + ": " + ok.error().message);
  f.u32("threads", r.threads, 0, 1024);
}

void check_coordinator_key(const std::string& key, const std::string& path, Problems& problems) {
  if (!key.empty() && !is_lower_hex(key, 64))
    problems.add(path + ": expected the coordinator's node id (64 lowercase hex digits), got \"" +
                 key + "\"");
}

void read_worker(const json::value& v, WorkerSection& w, bool local_coordinator,
                 Problems& problems) {
  Fields f(v, "$.worker", problems);
  read_endpoint(f, "coordinator", w.coordinator, !local_coordinator, 1, problems);
  f.string("coordinator_key", w.coordinator_key);
  f.string("key_file", w.key_file);
  read_rendering(f, w.rendering, problems);
  std::vector<std::string> tiers{"fast", "relaxed"};
  if (const json::value* tv = f.raw("tiers")) {
    read_array(f, "tiers", tiers, false, true, problems,
               [&](const json::value& item, const std::string& path, std::string& tier) {
                 if (!item.is_string() ||
                     (item.get_string() != "fast" && item.get_string() != "relaxed")) {
                   problems.add(path + ": expected \"fast\" or \"relaxed\", got " +
                                detail::describe_value(item));
                   return;
                 }
                 tier = std::string(item.get_string());
               });
    (void)tv;
  }
  w.serve_fast = std::count(tiers.begin(), tiers.end(), "fast") > 0;
  w.serve_relaxed = std::count(tiers.begin(), tiers.end(), "relaxed") > 0;
  f.u32("max_batch", w.max_batch, 1, 64);
  f.u32("max_inflight", w.max_inflight, 1, 1024);
  f.boolean("benchmark_tasks", w.benchmark_tasks);
  // Fault names are checked where faults live (actors/worker/test_fault.hpp) when the node starts.
  f.string("test_fault", w.test_fault);
  // Shorter, or a smaller cap, and the worker cannot answer the audits it will be sent (each then
  // fails as a cheat, and two get it blacklisted).
  f.u32("challenge_window_ms", w.challenge_window_ms, 10'000, 86'400'000);
  std::int64_t cap = static_cast<std::int64_t>(w.trajectory_cap_bytes);
  f.i64("trajectory_cap_bytes", cap, std::int64_t(1) << 20, std::int64_t(1) << 50);
  w.trajectory_cap_bytes = static_cast<std::uint64_t>(cap);
  f.boolean("appeal_failed_audits", w.appeal_failed_audits);
  f.finish();
  check_coordinator_key(w.coordinator_key, "$.worker.coordinator_key", problems);
}

void read_validator(const json::value& v, ValidatorSection& w, bool local_coordinator,
                    Problems& problems) {
  Fields f(v, "$.validator", problems);
  read_endpoint(f, "coordinator", w.coordinator, !local_coordinator, 1, problems);
  f.string("coordinator_key", w.coordinator_key);
  f.string("key_file", w.key_file);
  read_rendering(f, w.rendering, problems);
  if (const json::value* tv = f.raw("thresholds"))
    detail::read_thresholds(*tv, f.path_of("thresholds"), w.thresholds, problems);
  f.choice("test_fault", w.test_fault, {"none", "false_accuse"});
  f.finish();
  check_coordinator_key(w.coordinator_key, "$.validator.coordinator_key", problems);
}

// "line 3, column 14" of a byte offset.
std::string position_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// "*", or an origin as a browser sends it: http(s)://host[:port], no path.
bool cors_origin_ok(const std::string& origin) {
  if (origin == "*") return true;
  const auto scheme = origin.find("://");
  if (scheme == std::string::npos) return false;
  const std::string name = origin.substr(0, scheme), rest = origin.substr(scheme + 3);
  return (name == "http" || name == "https") && !rest.empty() &&
         std::all_of(rest.begin(), rest.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                  c == '[' || c == ']';
         });
}

void read_gateway(const json::value& v, GatewaySection& g, bool local_coordinator,
                  Problems& problems) {
  Fields f(v, "$.gateway", problems);
  read_endpoint(f, "listen", g.listen, false, 0, problems);
  g.coordinator = read_optional_endpoint(f, "coordinator", 1, problems);
  f.string("coordinator_key", g.coordinator_key);
  f.string("users_file", g.users_file, true, true);
  f.string("static_dir", g.static_dir);
  f.boolean("anonymous", g.anonymous);
  f.string("anonymous_key_file", g.anonymous_key_file);
  f.u32("anonymous_max_count", g.anonymous_max_count, 1, 512);
  f.u32("max_body_bytes", g.max_body_bytes, 1'024, 256u << 20);
  f.u32("header_timeout_ms", g.header_timeout_ms, 100, 600'000);
  f.u32("body_timeout_ms", g.body_timeout_ms, 100, 3'600'000);
  f.u32("requests_per_second", g.requests_per_second, 1, 1'000'000);
  f.u32("burst", g.burst, 1, 1'000'000);
  f.u32("max_connections", g.max_connections, 1, 1'000'000);
  f.u32("max_connections_per_client", g.max_connections_per_client, 1, 1'000'000);
  f.u32("threads", g.threads, 1, 64);
  f.u32("keep_finished_s", g.keep_finished_s, 1, 31'536'000);
  f.u32("max_kept_megabytes", g.max_kept_megabytes, 1, 1'048'576);
  read_array(f, "cors_origins", g.cors_origins, false, false, problems,
             [&](const json::value& item, const std::string& path, std::string& origin) {
               if (item.is_string() && cors_origin_ok(std::string(item.get_string()))) {
                 origin = std::string(item.get_string());
                 return;
               }
               problems.add(path +
                            ": expected \"*\" or an origin as a browser sends it, "
                            "\"https://host[:port]\" with no path, got " +
                            detail::describe_value(item));
             });
  f.string("public_url", g.public_url);
  if (!g.public_url.empty() && (g.public_url == "*" || !cors_origin_ok(g.public_url)))
    problems.add(
        "$.gateway.public_url: expected \"https://host[:port]\" with no path (the base of "
        "the image links the API returns), got \"" +
        g.public_url + "\"");
  f.finish();
  if (!f.valid()) return;
  if (!g.coordinator && !local_coordinator)
    problems.add(
        "$.gateway.coordinator: give the coordinator's {\"host\", \"port\"}, or add "
        "\"coordinator\" to $.roles to run it in this node");
  check_coordinator_key(g.coordinator_key, "$.gateway.coordinator_key", problems);
  if (g.anonymous && g.anonymous_key_file.empty())
    problems.add(
        "$.gateway.anonymous_key_file: required when $.gateway.anonymous is true (the key whose "
        "ledger account pays for anonymous requests)");
}

}  // namespace

bool NodeConfig::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return fail("'", std::string(text), "' is not HOST:PORT (e.g. 127.0.0.1:7400)");
  std::uint32_t port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535)
      return fail("'", std::string(text), "': the port must be a number from 1 to 65535");
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535)
    return fail("'", std::string(text), "': the port must be a number from 1 to 65535");
  Endpoint e;
  e.host = std::string(text.substr(0, colon));
  e.port = static_cast<std::uint16_t>(port);
  return e;
}

Result<NodeConfig> parse_node_config(std::string_view text, std::string_view source,
                                     const std::string& base_dir) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec)
    return fail(std::string(source), ": not valid JSON at ", position_of(text, consumed), ": ",
                ec.message());
  if (const auto twice = detail::first_duplicate_key(text, options))
    return fail(std::string(source), ": ", twice->path, " is given twice (the second time at ",
                position_of(text, twice->offset), "); keep one");
  const json::value root = parser.release();

  NodeConfig config;
  Problems problems;
  Fields top(root, "$", problems);
  read_array(top, "roles", config.roles, true, true, problems,
             [&](const json::value& item, const std::string& path, std::string& role) {
               const bool known =
                   item.is_string() && std::find(std::begin(kRoleNames), std::end(kRoleNames),
                                                 item.get_string()) != std::end(kRoleNames);
               if (!known) {
                 problems.add(path +
                              ": expected one of \"coordinator\", \"treasury\", \"worker\", "
                              "\"validator\", \"gateway\", got " +
                              detail::describe_value(item));
                 return;
               }
               role = std::string(item.get_string());
             });
  std::set<std::string> seen;
  for (const auto& r : config.roles)
    if (!r.empty() && !seen.insert(r).second)
      problems.add("$.roles: \"" + r + "\" is listed twice");

  if (const json::value* v = top.raw("node", true)) read_node(*v, config.node, problems);
  if (const json::value* v = top.raw("network")) read_network(*v, config.network, problems);

  auto section = [&](std::string_view role, auto& slot, auto reader) {
    const json::value* v = top.raw(role);
    const bool listed = config.has_role(role);
    if (v != nullptr && !listed) {
      problems.add("$." + std::string(role) + ": this section is given but \"" + std::string(role) +
                   "\" is not in $.roles");
      return;
    }
    if (!listed) return;
    slot.emplace();
    if (v == nullptr) {
      if (role == "coordinator" || role == "worker" || role == "validator" || role == "gateway")
        problems.add("$." + std::string(role) + ": required because \"" + std::string(role) +
                     "\" is in $.roles");
      return;  // the treasury runs on defaults
    }
    reader(*v, *slot, problems);
  };
  section("coordinator", config.coordinator, read_coordinator);
  section("treasury", config.treasury, read_treasury);
  const bool local = config.has_role("coordinator");
  section("worker", config.worker, [&](const json::value& v, WorkerSection& w, Problems& p) {
    read_worker(v, w, local, p);
  });
  section("validator", config.validator,
          [&](const json::value& v, ValidatorSection& s, Problems& p) {
            read_validator(v, s, local, p);
          });
  section("gateway", config.gateway, [&](const json::value& v, GatewaySection& g, Problems& p) {
    read_gateway(v, g, local, p);
  });
  top.finish();

  const bool needs_data = config.has_role("coordinator") || config.has_role("treasury");
  if (needs_data && config.node.data_dir.empty() && top.has("node"))
    problems.add(
        "$.node.data_dir: required for the coordinator and treasury roles (journal, "
        "ledger)");
  if (config.coordinator && !config.coordinator->treasury && !config.has_role("treasury"))
    problems.add(
        "$.coordinator.treasury: give the treasury's {\"host\", \"port\"}, or add "
        "\"treasury\" to $.roles to run it in this node");
  if (problems.any())
    return fail(std::string(source), ": invalid node config:\n", problems.joined());

  if (config.node.name.empty()) {
    for (const auto& r : config.roles)
      config.node.name += (config.node.name.empty() ? "" : "+") + r;
  }
  const PathResolver resolve{base_dir};
  resolve(config.node.key_file);
  resolve(config.node.data_dir);
  resolve(config.node.log_file);
  if (config.coordinator) {
    for (auto& m : config.coordinator->models) resolve(m.path);
    resolve(config.coordinator->journal);
    for (auto& t : config.coordinator->task_types) resolve(t.path);
  }
  if (config.treasury) {
    if (config.treasury->database.empty() && !config.node.data_dir.empty())
      config.treasury->database =
          (std::filesystem::path(config.node.data_dir) / "ledger.sqlite").string();
    else
      resolve(config.treasury->database);
    resolve(config.treasury->key_file);
  }
  if (config.worker) resolve(config.worker->key_file);
  if (config.validator) resolve(config.validator->key_file);
  if (config.gateway) {
    resolve(config.gateway->users_file);
    resolve(config.gateway->static_dir);
    resolve(config.gateway->anonymous_key_file);
  }
  for (RenderingSection* r : {config.worker ? &config.worker->rendering : nullptr,
                              config.validator ? &config.validator->rendering : nullptr}) {
    if (r == nullptr) continue;
    for (auto& m : r->models) {
      resolve(m.path);
      resolve(m.tokenizer_dir);
    }
  }
  return config;
}

Result<NodeConfig> load_node_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read node config ", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string base = std::filesystem::path(path).parent_path().string();
  return parse_node_config(buffer.str(), path, base.empty() ? "." : base);
}

}  // namespace seedgrid::config
