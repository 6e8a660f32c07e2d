#pragma once
// A node's configuration: one JSON file per node (config/README.md documents every key, and
// config/examples/ holds a commented example per role). Parsing is strict: an unknown key, a wrong
// type, a value out of range or a missing required field is an error that names the JSON path
// ("$.worker.max_batch") and what was expected. Comments (// and /* */) and trailing commas are
// allowed so examples can explain themselves.
//
// A node runs the roles listed in "roles"; each listed role has its section, and a section for a
// role that is not listed is an error (it would silently do nothing). Durations are integers in
// milliseconds (keys end in _ms); money is integer micro-units.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/validator_thresholds.hpp"
#include "models/result.hpp"

namespace seedgrid::config {

inline constexpr std::string_view kRoleNames[] = {"coordinator", "treasury", "worker", "validator",
                                                  "gateway"};

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7400;  // 0 in a listen endpoint: any free port (written to data_dir)
  std::string text() const { return host + ":" + std::to_string(port); }
};
// "HOST:PORT" (as the CLI takes it); the error quotes the text.
Result<Endpoint> parse_endpoint(std::string_view text);

struct NodeSection {
  std::string name;      // shown in logs and status; default: the role list
  std::string key_file;  // Ed25519 key (created with mode 0600 on first start); required
  std::string data_dir;  // journal, ledger, results, port files; required for coordinator/treasury
  std::string log_level = "info";    // trace, debug, info, warn, error, off
  std::string log_file;              // empty: standard error
  std::uint64_t log_max_bytes = 0;   // rotate log_file past this size (0: never; see logrotate)
  std::uint32_t log_keep_files = 5;  // rotated files kept (log_file.1 ... .N)
};

struct NetworkSection {
  std::uint32_t heartbeat_interval_ms = 1'000;  // CAF middleman heartbeats between nodes
  std::uint32_t connection_timeout_ms = 5'000;  // a link silent this long is closed (half-open)
  std::uint32_t reconnect_initial_ms = 200;     // first back-off after a lost link
  std::uint32_t reconnect_max_ms = 5'000;       // back-off doubles up to this
  // Plain TCP instead of TLS on every link of this node (runtime/base/link/tls_transport.hpp): a
  // peer then reads every prompt on the wire and anyone can open a connection. The node warns at
  // every start. Nodes of one network must agree.
  bool insecure = false;
};

// A model the coordinator accepts requests for. Exactly one of id (64 hex) or path (a checkpoint
// the coordinator hashes at start) names it.
struct CatalogModel {
  std::string id;
  std::string path;
  std::string name;
  std::string creator;                       // ledger account (creator:NAME); empty: none
  std::int64_t base_render_millis = 43'200;  // manifest: milli-render-seconds of one base render
  // What width and height must be multiples of (models/pipeline/render_limits.hpp). A model by
  // "path" reads it from its checkpoint (0 here); by "id" it is declared, 64 (SD 1.x/2.x) when
  // left out.
  std::uint32_t size_multiple = 0;
};

// A task type given by a Lua script (runtime/base/task_script/): requests name it as task_type.
// The script is read and checked when the coordinator starts, and identified by the SHA-256 of its
// bytes; workers fetch it from the coordinator by that id.
struct TaskTypeSource {
  std::string name;  // an identifier, not a built-in task type (txt2img, instant)
  std::string path;  // the .lua file
};

struct RequestLimits {
  std::uint32_t max_count = 512;
  std::uint32_t max_width = 4'096;
  std::uint32_t max_height = 4'096;
  std::uint32_t max_steps = 150;
  double max_guidance = 30.0;
  std::uint32_t max_prompt_bytes = 2'000;
};

struct RoutingPolicy {
  std::uint32_t max_workers_per_request = 16;
  // Score = reputation^reputation_weight / expected finish time; see actors/coordinator/router.hpp.
  double reputation_weight = 2.0;
  // Several coordinators over one worker pool: each worker has one home coordinator (the highest
  // hash of the two keys); another routes to it with its rate times this, so that coordinators
  // do not all race for the same best workers (ARCHITECTURE.md, "Beyond one machine").
  double foreign_worker_weight = 0.25;
};

struct DeadlinePolicy {
  std::uint32_t base_ms = 10'000;         // fixed allowance (model load, transfer)
  double slack = 4.0;                     // multiple of the worker's own expected render time
  std::uint32_t min_ms = 5'000;           // never less
  std::uint32_t max_ms = 3'600'000;       // never more
  std::uint32_t cancel_grace_ms = 5'000;  // wait for a cancelled job's report this long
  // A job that no connected worker could take (model, tier) fails after waiting this long.
  std::uint32_t queue_ms = 300'000;
};

struct RetryPolicy {
  std::uint32_t max_attempts = 3;
};

// Which results are audited and how (actors/coordinator/audit_rate.hpp, audit_plan.hpp). Every
// sampled result gets the noise and decode audits (cheap), a step audit of `step_audits` random
// steps, and with probability `full_rate` a full re-render; all chosen after the commit with a
// secret the worker never sees.
struct AuditPolicy {
  double rate = 0.1;                   // base share of results audited, 0..1 (0: no audits)
  double max_rate = 1.0;               // the adaptive rate never exceeds this
  std::uint32_t timeout_ms = 120'000;  // no verdict by then: delivered as "timed out"
  std::uint32_t blacklist_after = 2;   // failed audits before a worker gets no more jobs
  std::uint32_t step_audits = 3;       // k steps opened per step audit (bench/calibrate used 3)
  double full_rate = 0.05;             // share of audits that also re-render in full
  // A sampled audit goes to a validator of the worker's determinism class when one is at most
  // `same_class_slack` audits busier than the least busy validator: within a class bytes decide,
  // which catches every cheat of the zoo at its targeted audit (across classes, weights quantized
  // to 8 bits pass step audits and only a full re-render lands grey).
  bool same_class_first = true;
  std::uint32_t same_class_slack = 2;
  std::uint32_t opening_timeout_ms = 10'000;  // a worker's opening later than this: "no opening"
  // New workers (fewer delivered results than this) are audited at least at new_worker_rate.
  std::uint32_t new_worker_results = 20;
  double new_worker_rate = 0.5;
  // Workers whose reputation score is below low_reputation: at least low_reputation_rate.
  double low_reputation = 0.4;
  double low_reputation_rate = 0.5;
  // Deterrence: rate x detection x (stake_at_risk + job_reward) >= compute_saved, in micro-units
  // (what a cheat saves per job, what it loses when caught).
  double detection = 0.9;  // probability the chosen audits catch a cheat
  std::int64_t stake_at_risk = 1'000'000;
  std::int64_t job_reward = 10'000;
  std::int64_t compute_saved = 10'000;
  bool appeals = true;  // workers may appeal a failed verdict once (a second validator re-runs it)
  // With appeals, a failed verdict's slash waits this long for the worker's appeal (see
  // actors/treasury/README.md); the re-run elsewhere and the reputation cut do not wait.
  std::uint32_t appeal_window_ms = 60'000;
};

struct ReputationPolicy {
  double alpha = 0.2;    // weight of the newest observation in each moving average
  double initial = 0.5;  // score of a node never seen before
  double success_weight = 0.4;
  double latency_weight = 0.2;
  double uptime_weight = 0.1;
  double audit_weight = 0.3;
};

struct CoordinatorSection {
  Endpoint listen{"127.0.0.1", 7400};
  std::optional<Endpoint> treasury;  // absent: the treasury role runs in this node
  std::string treasury_key;          // optional pin: the treasury node's id (64 hex)
  // Where the journal lives: empty, <data_dir>/journal.sqlite; or a postgresql:// URI.
  std::string journal;
  std::vector<CatalogModel> models;
  bool benchmark_tasks = false;            // accept the instant task type (benchmarks only)
  std::vector<TaskTypeSource> task_types;  // scripted task types, in file order
  std::uint32_t challenge_ttl_ms = 30'000;
  // How often the coordinator asks the treasury again for the bonded stake of each worker that
  // advertises the fast tier (an unstake or a slash can take it below the minimum after it
  // registered); a slash it ordered itself triggers the check at once.
  std::uint32_t stake_refresh_ms = 60'000;
  // Who may register as a validator (a validator's verdict can cost a worker its stake, so a key
  // alone is not enough): one listed here by node id (64 lowercase hex), or one whose bonded stake
  // in the treasury's ledger (stake:validator:<node id>, slashed when an appeal overturns its
  // verdict) is at least validator_min_stake micro-tokens. Validators in the coordinator's own node
  // are listed implicitly.
  std::vector<std::string> validator_allowlist;
  std::int64_t validator_min_stake = 1'000'000'000;  // 1,000 tokens
  RequestLimits limits;
  RoutingPolicy routing;
  DeadlinePolicy deadlines;
  RetryPolicy retries;
  AuditPolicy audit;
  ReputationPolicy reputation;
};

// One scalar economics key of the ledger (actors/treasury/treasury_config.hpp names them); checked
// against the ledger's own key list when the treasury starts.
struct EconomicsValue {
  std::string key;
  std::int64_t value = 0;
};
struct FeeTierValue {
  std::int64_t stake_above_minimum = 0;
  std::int64_t fee_ppm = 0;
};

struct TreasurySection {
  std::optional<Endpoint> listen;         // publish the treasury for a coordinator on another node
  std::string database;                   // default: <data_dir>/ledger.sqlite
  std::string key_file;                   // the ledger's signing key; default: the node key
  std::uint32_t batch_max = 256;          // orders applied in one group commit at most
  std::vector<EconomicsValue> economics;  // in file order
  std::optional<std::vector<FeeTierValue>> fee_tiers;
};

struct ModelSource {
  std::string path;           // diffusers folder or single .safetensors file
  std::string tokenizer_dir;  // optional: vocab.json + merges.txt when the checkpoint has none
};

struct RenderingSection {
  std::vector<ModelSource> models;
  std::string device = "cpu";  // models/backend/backend_choice.hpp lists devices and precisions
  std::string precision;       // empty: the device's default (cpu f32, cuda f16)
  std::uint32_t threads = 0;   // 0: all cores
};

// A worker or validator in the coordinator's own node talks to it in-process and needs no
// coordinator endpoint. key_file: its own identity (default: the node key); two roles in one node
// that must be told apart (a worker and the validator auditing it) need their own keys.
struct WorkerSection {
  Endpoint coordinator;
  std::string coordinator_key;  // optional pin: the coordinator's node id (64 hex)
  std::string key_file;
  RenderingSection rendering;
  bool serve_fast = true;
  bool serve_relaxed = true;
  std::uint32_t max_batch = 4;
  std::uint32_t max_inflight = 8;
  bool benchmark_tasks = false;
  // Test-only misbehaviour ("none", "wrong_image", "bad_signature", "stall", "withhold_openings",
  // "false_script_failure", or a cheat of actors/worker/cheats/cheat.hpp); refused unless the build has
  // SEEDGRID_TEST_FAULTS.
  std::string test_fault = "none";
  // How long the latents of a delivered job are kept for audit openings, and a memory cap.
  std::uint32_t challenge_window_ms = 600'000;
  std::uint64_t trajectory_cap_bytes = 1ull << 30;
  bool appeal_failed_audits = true;  // appeal a failed verdict once (when the coordinator allows)
};

struct ValidatorSection {
  Endpoint coordinator;
  std::string coordinator_key;
  std::string key_file;
  RenderingSection rendering;
  // Across determinism classes (e.g. a GPU fp16 result audited on a CPU).
  ValidatorThresholds thresholds = default_validator_thresholds();
  // Test-only ("none", "false_accuse": fail every audit it runs); refused unless the build has
  // SEEDGRID_TEST_FAULTS.
  std::string test_fault = "none";
};

// The HTTP gateway (runtime/gateway/README.md): AI Horde v2 and native /v1 routes and the web
// studio, translated into signed requests to the coordinator. Users and their API keys live in
// `users_file` (`seedgrid gateway add-user`), mode 0600.
struct GatewaySection {
  Endpoint listen{"127.0.0.1", 7480};
  std::optional<Endpoint> coordinator;       // absent: the coordinator role of this node
  std::string coordinator_key;               // optional pin: the coordinator's node id (64 hex)
  std::string users_file;                    // required
  std::string static_dir;                    // the web studio's files; empty: no studio
  bool anonymous = false;                    // accept Horde's anonymous key "0000000000"
  std::string anonymous_key_file;            // the anonymous payer's key; required when anonymous
  std::uint32_t anonymous_max_count = 1;     // images per anonymous request
  std::uint32_t max_body_bytes = 1u << 20;   // larger bodies: 413
  std::uint32_t header_timeout_ms = 10'000;  // a client slower with its headers is closed
  std::uint32_t body_timeout_ms = 30'000;
  std::uint32_t requests_per_second = 50;  // per API key (token bucket); then 429
  std::uint32_t burst = 100;
  std::uint32_t max_connections = 10'000;
  std::uint32_t max_connections_per_client = 1'000;  // from one address; then 503
  std::uint32_t threads = 1;                       // I/O threads
  // Finished requests (events, images, receipts) stay in memory this long, and the oldest go
  // first once they hold more than max_kept_megabytes; then their ids answer "expired".
  std::uint32_t keep_finished_s = 86'400;
  std::uint32_t max_kept_megabytes = 1'024;
  // Pages of these origins may call the API from a browser ("*": any, as AI Horde's API; [] none).
  std::vector<std::string> cors_origins{"*"};
  // The scheme, host and port clients reach the gateway at ("https://images.example.org" behind a
  // TLS proxy): the base of the image links the Horde API returns. Empty: "http://" and the
  // request's Host header.
  std::string public_url;
};

struct NodeConfig {
  std::vector<std::string> roles;  // in file order, each once
  NodeSection node;
  NetworkSection network;
  std::optional<CoordinatorSection> coordinator;
  std::optional<TreasurySection> treasury;
  std::optional<WorkerSection> worker;
  std::optional<ValidatorSection> validator;
  std::optional<GatewaySection> gateway;

  bool has_role(std::string_view role) const;
};

// `source` names the text in errors (a file path). Relative paths in the config are resolved
// against `base_dir` when it is not empty (load_node_config passes the file's directory).
Result<NodeConfig> parse_node_config(std::string_view text, std::string_view source,
                                     const std::string& base_dir = {});
Result<NodeConfig> load_node_config(const std::string& path);

// A complete config for one role with every default spelled out (placeholders for the required
// paths), as `seedgrid node --print-default-config ROLE` prints it (which also fills in the
// treasury's economics from the ledger's key list). Unknown role: an error.
Result<NodeConfig> default_config(std::string_view role);
// The config back as JSON text (pretty, keys in schema order); parse_node_config reads it back.
std::string to_json_text(const NodeConfig& config);

}  // namespace seedgrid::config
