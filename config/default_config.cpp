#include <boost/json.hpp>

#include <algorithm>

#include "config/json_pretty.hpp"
#include "config/node_config.hpp"
#include "models/backend/backend_choice.hpp"

namespace seedgrid::config {

namespace json = boost::json;

namespace {

json::object endpoint_json(const Endpoint& e) { return {{"host", e.host}, {"port", e.port}}; }

json::array models_json(const std::vector<ModelSource>& models) {
  json::array out;
  for (const auto& m : models) {
    // Every key, empty or not, so a printed default shows what can be set.
    json::object o{{"path", m.path}, {"tokenizer_dir", m.tokenizer_dir}};
    out.push_back(std::move(o));
  }
  return out;
}

json::object coordinator_json(const CoordinatorSection& c) {
  json::object o;
  o["listen"] = endpoint_json(c.listen);
  if (c.treasury) o["treasury"] = endpoint_json(*c.treasury);
  if (c.treasury) o["treasury_key"] = c.treasury_key;  // empty: any treasury (not pinned)
  if (!c.journal.empty()) o["journal"] = c.journal;
  json::array models;
  for (const auto& m : c.models) {
    json::object mo;
    if (!m.id.empty()) mo["id"] = m.id;
    if (!m.path.empty()) mo["path"] = m.path;
    if (!m.name.empty()) mo["name"] = m.name;
    if (!m.creator.empty()) mo["creator"] = m.creator;
    mo["base_render_millis"] = m.base_render_millis;
    if (!m.id.empty()) mo["size_multiple"] = m.size_multiple;
    models.push_back(std::move(mo));
  }
  o["models"] = std::move(models);
  o["benchmark_tasks"] = c.benchmark_tasks;
  json::array task_types;
  for (const auto& t : c.task_types)
    task_types.push_back(json::object{{"name", t.name}, {"path", t.path}});
  o["task_types"] = std::move(task_types);
  o["challenge_ttl_ms"] = c.challenge_ttl_ms;
  o["stake_refresh_ms"] = c.stake_refresh_ms;
  json::array allowlist;
  for (const auto& k : c.validator_allowlist) allowlist.emplace_back(k);
  o["validator_allowlist"] = std::move(allowlist);
  o["validator_min_stake"] = c.validator_min_stake;
  o["limits"] = json::object{
      {"max_count", c.limits.max_count},       {"max_width", c.limits.max_width},
      {"max_height", c.limits.max_height},     {"max_steps", c.limits.max_steps},
      {"max_guidance", c.limits.max_guidance}, {"max_prompt_bytes", c.limits.max_prompt_bytes}};
  o["routing"] = json::object{{"max_workers_per_request", c.routing.max_workers_per_request},
                              {"reputation_weight", c.routing.reputation_weight},
                              {"foreign_worker_weight", c.routing.foreign_worker_weight}};
  o["deadlines"] = json::object{{"base_ms", c.deadlines.base_ms},
                                {"slack", c.deadlines.slack},
                                {"min_ms", c.deadlines.min_ms},
                                {"max_ms", c.deadlines.max_ms},
                                {"cancel_grace_ms", c.deadlines.cancel_grace_ms},
                                {"queue_ms", c.deadlines.queue_ms}};
  o["retries"] = json::object{{"max_attempts", c.retries.max_attempts}};
  const auto& a = c.audit;
  o["audit"] = json::object{{"rate", a.rate},
                            {"max_rate", a.max_rate},
                            {"timeout_ms", a.timeout_ms},
                            {"blacklist_after", a.blacklist_after},
                            {"step_audits", a.step_audits},
                            {"full_rate", a.full_rate},
                            {"same_class_first", a.same_class_first},
                            {"same_class_slack", a.same_class_slack},
                            {"opening_timeout_ms", a.opening_timeout_ms},
                            {"new_worker_results", a.new_worker_results},
                            {"new_worker_rate", a.new_worker_rate},
                            {"low_reputation", a.low_reputation},
                            {"low_reputation_rate", a.low_reputation_rate},
                            {"detection", a.detection},
                            {"stake_at_risk", a.stake_at_risk},
                            {"job_reward", a.job_reward},
                            {"compute_saved", a.compute_saved},
                            {"appeals", a.appeals},
                            {"appeal_window_ms", a.appeal_window_ms}};
  o["reputation"] = json::object{{"alpha", c.reputation.alpha},
                                 {"initial", c.reputation.initial},
                                 {"success_weight", c.reputation.success_weight},
                                 {"latency_weight", c.reputation.latency_weight},
                                 {"uptime_weight", c.reputation.uptime_weight},
                                 {"audit_weight", c.reputation.audit_weight}};
  return o;
}

json::object treasury_json(const TreasurySection& t) {
  json::object o;
  if (t.listen) o["listen"] = endpoint_json(*t.listen);
  if (!t.database.empty()) o["database"] = t.database;
  if (!t.key_file.empty()) o["key_file"] = t.key_file;
  o["batch_max"] = t.batch_max;
  json::object economics;
  for (const auto& e : t.economics) economics[e.key] = e.value;
  if (t.fee_tiers) {
    json::array tiers;
    for (const auto& tier : *t.fee_tiers)
      tiers.push_back(json::object{{"stake_above_minimum", tier.stake_above_minimum},
                                   {"fee_ppm", tier.fee_ppm}});
    economics["fee_tiers"] = std::move(tiers);
  }
  o["economics"] = std::move(economics);
  return o;
}

json::array tiers_json(bool fast, bool relaxed) {
  json::array tiers;
  if (fast) tiers.push_back("fast");
  if (relaxed) tiers.push_back("relaxed");
  return tiers;
}

void add_rendering(json::object& o, const RenderingSection& r) {
  o["models"] = models_json(r.models);
  o["device"] = r.device;
  // Empty means the device's default; the printed config names it.
  auto precision = resolve_precision(r.device, r.precision);
  o["precision"] = precision ? *precision : r.precision;
  o["threads"] = r.threads;
}

json::object worker_json(const WorkerSection& w) {
  json::object o;
  o["coordinator"] = endpoint_json(w.coordinator);
  o["coordinator_key"] = w.coordinator_key;  // empty: any coordinator (not pinned)
  if (!w.key_file.empty()) o["key_file"] = w.key_file;
  add_rendering(o, w.rendering);
  o["tiers"] = tiers_json(w.serve_fast, w.serve_relaxed);
  o["max_batch"] = w.max_batch;
  o["max_inflight"] = w.max_inflight;
  o["benchmark_tasks"] = w.benchmark_tasks;
  o["test_fault"] = w.test_fault;
  o["challenge_window_ms"] = w.challenge_window_ms;
  o["trajectory_cap_bytes"] = static_cast<std::int64_t>(w.trajectory_cap_bytes);
  o["appeal_failed_audits"] = w.appeal_failed_audits;
  return o;
}

json::object validator_json(const ValidatorSection& v) {
  json::object o;
  o["coordinator"] = endpoint_json(v.coordinator);
  o["coordinator_key"] = v.coordinator_key;  // empty: any coordinator (not pinned)
  if (!v.key_file.empty()) o["key_file"] = v.key_file;
  add_rendering(o, v.rendering);
  const auto& t = v.thresholds;
  o["thresholds"] = json::object{{"step_pass", t.step_pass}, {"step_fail", t.step_fail},
                                 {"psnr_pass", t.psnr_pass}, {"psnr_fail", t.psnr_fail},
                                 {"ssim_pass", t.ssim_pass}, {"ssim_fail", t.ssim_fail}};
  o["test_fault"] = v.test_fault;
  return o;
}

json::object gateway_json(const GatewaySection& g) {
  json::object o;
  o["listen"] = endpoint_json(g.listen);
  if (g.coordinator) o["coordinator"] = endpoint_json(*g.coordinator);
  o["coordinator_key"] = g.coordinator_key;  // empty: any coordinator (not pinned)
  o["users_file"] = g.users_file;
  o["static_dir"] = g.static_dir;
  o["anonymous"] = g.anonymous;
  if (!g.anonymous_key_file.empty()) o["anonymous_key_file"] = g.anonymous_key_file;
  o["anonymous_max_count"] = g.anonymous_max_count;
  o["max_body_bytes"] = g.max_body_bytes;
  o["header_timeout_ms"] = g.header_timeout_ms;
  o["body_timeout_ms"] = g.body_timeout_ms;
  o["requests_per_second"] = g.requests_per_second;
  o["burst"] = g.burst;
  o["max_connections"] = g.max_connections;
  o["max_connections_per_client"] = g.max_connections_per_client;
  o["threads"] = g.threads;
  o["keep_finished_s"] = g.keep_finished_s;
  o["max_kept_megabytes"] = g.max_kept_megabytes;
  json::array origins;
  for (const auto& origin : g.cors_origins) origins.emplace_back(origin);
  o["cors_origins"] = std::move(origins);
  o["public_url"] = g.public_url;
  return o;
}

}  // namespace

std::string to_json_text(const NodeConfig& c) {
  json::object root;
  json::array roles;
  for (const auto& r : c.roles) roles.push_back(json::value(r));
  root["roles"] = std::move(roles);
  json::object node{{"name", c.node.name}, {"key_file", c.node.key_file}};
  if (!c.node.data_dir.empty()) node["data_dir"] = c.node.data_dir;
  node["log_level"] = c.node.log_level;
  node["log_file"] = c.node.log_file;
  node["log_max_bytes"] = static_cast<std::int64_t>(c.node.log_max_bytes);
  node["log_keep_files"] = c.node.log_keep_files;
  root["node"] = std::move(node);
  root["network"] = json::object{{"heartbeat_interval_ms", c.network.heartbeat_interval_ms},
                                 {"connection_timeout_ms", c.network.connection_timeout_ms},
                                 {"reconnect_initial_ms", c.network.reconnect_initial_ms},
                                 {"reconnect_max_ms", c.network.reconnect_max_ms},
                                 {"insecure", c.network.insecure}};
  if (c.coordinator) root["coordinator"] = coordinator_json(*c.coordinator);
  if (c.treasury) root["treasury"] = treasury_json(*c.treasury);
  if (c.worker) root["worker"] = worker_json(*c.worker);
  if (c.validator) root["validator"] = validator_json(*c.validator);
  if (c.gateway) root["gateway"] = gateway_json(*c.gateway);
  return pretty_json(root);
}

Result<NodeConfig> default_config(std::string_view role) {
  if (std::find(std::begin(kRoleNames), std::end(kRoleNames), role) == std::end(kRoleNames))
    return fail("unknown role '", std::string(role),
                "': expected coordinator, treasury, worker, validator or gateway");
  NodeConfig c;
  c.roles = {std::string(role)};
  c.node.name = std::string(role) + "-1";
  c.node.key_file = "keys/" + std::string(role) + ".key";
  if (role == "coordinator") {
    c.node.data_dir = "data/coordinator";
    c.coordinator.emplace();
    c.coordinator->treasury = Endpoint{"127.0.0.1", 7401};
    CatalogModel m;
    m.path = "models/tiny";
    m.name = "tiny";
    m.creator = "creator:example";
    c.coordinator->models.push_back(m);
  } else if (role == "treasury") {
    c.node.data_dir = "data/treasury";
    c.treasury.emplace();
    c.treasury->listen = Endpoint{"127.0.0.1", 7401};
    c.treasury->database = "data/treasury/ledger.sqlite";
  } else if (role == "worker") {
    c.worker.emplace();
    c.worker->rendering.models.push_back({"models/tiny", ""});
  } else if (role == "gateway") {
    c.gateway.emplace();
    c.gateway->coordinator = Endpoint{"127.0.0.1", 7400};
    c.gateway->users_file = "data/gateway/users.json";
    c.gateway->static_dir = "runtime/gateway/studio";
  } else {
    c.validator.emplace();
    c.validator->rendering.models.push_back({"models/tiny", ""});
  }
  return c;
}

}  // namespace seedgrid::config
