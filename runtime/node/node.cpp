#include "runtime/node/node.hpp"

#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <netdb.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "actors/coordinator/coordinator_actor.hpp"
#include "actors/coordinator/task_catalog.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "actors/validator/validator_actor.hpp"
#include "runtime/gateway/gateway.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "actors/rendering/renderer.hpp"
#include "actors/worker/worker_actor.hpp"
#include "models/pipeline/render_limits.hpp"
#include "models/weights/checkpoint.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/node_name.hpp"
#include "runtime/base/storage/data_dir_lock.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::node {

namespace fs = std::filesystem;

struct Node::State {
  NodePlan plan;
  std::unique_ptr<caf::actor_system_config> caf_config;
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<const Identity> identity;
  protocol::treasury_actor treasury;
  protocol::coordinator_actor coordinator;
  // The same handle as a remote link would give it, for the gateway in this node (which takes
  // local and remote coordinators one way).
  caf::actor coordinator_as_linked;
  std::vector<caf::actor> roles;  // every role actor, in start order
  std::uint16_t coordinator_port = 0;
  std::uint16_t treasury_port = 0;
  std::shared_ptr<std::atomic<bool>> failed = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> stopping = std::make_shared<std::atomic<bool>>(false);
  bool stopped = false;
  std::unique_ptr<gateway::Gateway> gateway;  // the HTTP gateway role, when configured
  // Held while the node runs (declared last: released after the roles are gone).
  std::optional<storage::ProcessLock> data_dir_lock;
};

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<std::shared_ptr<const Identity>> identity_at(const std::string& path,
                                                    std::string_view what) {
  auto id = Identity::load_or_create(path);
  if (!id) return context(id.error(), what, " key");
  return std::make_shared<const Identity>(std::move(*id));
}

// A node's key is made on its first start. Made again beside a data directory that already holds a
// journal or a ledger (a typo in key_file, a key folder not restored from a backup), it would
// silently turn this node into another: the journal's requests, the ledger's accounts and the
// workers' trust belong to the old key.
Result<void> check_key_kept(const std::string& key_file, const std::string& data_dir) {
  std::error_code ec;
  if (key_file.empty() || data_dir.empty() || fs::exists(key_file, ec)) return {};
  for (const char* state : {"journal.sqlite", "ledger.sqlite"})
    if (fs::exists(fs::path(data_dir) / state, ec))
      return fail("$.node.key_file: ", key_file, " does not exist, but ",
                  (fs::path(data_dir) / state).string(),
                  " holds the state of a node that has run before; a new key would make this "
                  "another node. Point key_file at that node's key (restore it from a backup), "
                  "or move the data directory away to start afresh");
  return {};
}

void write_port_file(const std::string& data_dir, const std::string& name, std::uint16_t port) {
  if (data_dir.empty()) return;
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  const fs::path path = fs::path(data_dir) / name;
  const fs::path tmp = fs::path(data_dir) / (name + ".tmp");
  {
    std::ofstream out(tmp);
    out << port << "\n";
  }
  fs::rename(tmp, path, ec);
}

// The treasury's newest signed ledger head, kept by the coordinator and by validators
// (DATA_DIR/ledger-checkpoint.json); a role sharing its node's data_dir with another keeper gets a
// file of its own (`owner` non-empty: ledger-checkpoint-OWNER.json).
std::string checkpoint_file(const std::string& data_dir, const std::string& owner = {}) {
  if (data_dir.empty()) return {};
  const std::string name = owner.empty() ? std::string("ledger-checkpoint.json")
                                         : "ledger-checkpoint-" + owner + ".json";
  return (fs::path(data_dir) / name).string();
}

Result<std::uint16_t> publish(caf::actor_system& system, const caf::actor& actor,
                              const config::Endpoint& where, std::string_view what) {
  auto port = link::publish_actor(system, actor, where);
  if (!port)
    return fail("cannot publish the ", what, " on ", where.text(), ": ",
                system.render(port.error()), " (is the port in use, or the address not local?)");
  return *port;
}

// Watches a role actor: a role that stops while the node is not stopping marks the node failed.
void watch(Node::State& s, const caf::actor& role) {
  s.roles.push_back(role);
  role->attach_functor([failed = s.failed, stopping = s.stopping] {
    if (!stopping->load()) failed->store(true);
  });
}

// Validators in the coordinator's own node are the operator's: admitted as if listed.
Result<std::vector<std::string>> in_node_validators(const Node::State& s) {
  std::vector<std::string> keys;
  std::vector<const config::ValidatorSection*> sections;
  if (s.plan.config.validator) sections.push_back(&*s.plan.config.validator);
  for (const auto& v : s.plan.extra_validators) sections.push_back(&v);
  for (const auto* v : sections) {
    if (v->key_file.empty()) {
      keys.push_back(s.identity->node_id());
      continue;
    }
    auto k = identity_at(v->key_file, "$.validator.key_file: validator");
    if (!k) return pass_on(k);
    keys.push_back((*k)->node_id());
  }
  return keys;
}

Result<coordinator::ModelCatalog> build_catalog(const config::CoordinatorSection& c) {
  coordinator::ModelCatalog catalog;
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const auto& m = c.models[i];
    protocol::ModelEntry e;
    e.model_id = m.id;
    e.name = m.name;
    e.creator = m.creator;
    e.base_render_milliseconds = static_cast<std::uint32_t>(m.base_render_millis);
    RenderLimits limits;
    if (!m.path.empty()) {
      auto checkpoint = load_checkpoint(m.path);
      if (!checkpoint) return context(checkpoint.error(), "$.coordinator.models[", i, "].path");
      e.model_id = checkpoint->model_id;
      limits = render_limits_of(checkpoint->unet_config, checkpoint->vae_config);
      if (e.name.empty()) e.name = fs::path(m.path).filename().string();
    } else {
      auto declared = render_limits_of_size_multiple(static_cast<int>(m.size_multiple));
      if (!declared)
        return context(declared.error(), "$.coordinator.models[", i, "].size_multiple");
      limits = *declared;
    }
    if (e.name.empty()) e.name = e.model_id.substr(0, 12);
    catalog.add(std::move(e), limits);
  }
  return catalog;
}

Result<void> start_treasury(Node::State& s) {
  const auto& t = *s.plan.config.treasury;
  auto economics = treasury::treasury_config_of(t);
  if (!economics) return pass_on(economics);
  std::shared_ptr<const Identity> key = s.identity;
  if (!t.key_file.empty()) {
    auto k = identity_at(t.key_file, "$.treasury.key_file: treasury");
    if (!k) return pass_on(k);
    key = *k;
  }
  if (storage::engine_of(t.database) == storage::Engine::sqlite) {
    std::error_code ec;
    fs::create_directories(fs::path(t.database).parent_path(), ec);
  }
  auto ledger = treasury::Ledger::open(t.database, *key, *economics);
  if (!ledger) return context(ledger.error(), "$.treasury.database");
  s.treasury = treasury::spawn_treasury_actor(
      *s.system, std::make_shared<treasury::Ledger>(std::move(*ledger)), t.batch_max);
  watch(s, caf::actor_cast<caf::actor>(s.treasury));
  if (t.listen) {
    auto port = publish(*s.system, caf::actor_cast<caf::actor>(s.treasury), *t.listen, "treasury");
    if (!port) return pass_on(port);
    s.treasury_port = *port;
    write_port_file(s.plan.config.node.data_dir, "treasury.port", *port);
    logging::logger("node")->info("treasury listening on {}:{}", t.listen->host, *port);
  }
  return {};
}

Result<void> start_coordinator(Node::State& s) {
  const auto& c = *s.plan.config.coordinator;
  auto catalog = build_catalog(c);
  if (!catalog) return pass_on(catalog);
  coordinator::CoreOptions options;
  options.policy = c;
  auto own_validators = in_node_validators(s);
  if (!own_validators) return pass_on(own_validators);
  for (auto& k : *own_validators) options.policy.validator_allowlist.push_back(std::move(k));
  options.catalog = std::move(*catalog);
  auto task_types = coordinator::TaskCatalog::load(c.task_types);
  if (!task_types) return pass_on(task_types);
  options.task_types = std::move(*task_types);
  options.data_dir = s.plan.config.node.data_dir;
  // Beside the node key, not in data_dir: a copy of the data directory alone (a backup) does not
  // open the prompts its journal holds.
  if (!s.plan.config.node.key_file.empty())
    options.prompt_key_file =
        (fs::path(s.plan.config.node.key_file).parent_path() / "journal-prompts.key").string();
  coordinator::Outbox recovered;
  auto core =
      coordinator::CoordinatorCore::open(*s.identity, std::move(options), steady_ms(), recovered);
  if (!core)
    return c.journal.empty() ? context(core.error(), "coordinator journal in $.node.data_dir (",
                                       s.plan.config.node.data_dir, ")")
                             : context(core.error(), "$.coordinator.journal");
  coordinator::CoordinatorSetup setup;
  setup.core = std::shared_ptr<coordinator::CoordinatorCore>(std::move(*core));
  setup.recovered = std::move(recovered);
  setup.section = c;
  setup.network = s.plan.config.network;
  setup.ledger_checkpoint_file = checkpoint_file(s.plan.config.node.data_dir);
  s.coordinator = coordinator::spawn_coordinator(*s.system, std::move(setup),
                                                 s.treasury ? &s.treasury : nullptr);
  s.coordinator_as_linked = caf::actor_cast<caf::actor>(s.coordinator);
  watch(s, s.coordinator_as_linked);
  // Published through our TLS transport, which hands out handles untyped (receivers cast them).
  auto port = publish(*s.system, s.coordinator_as_linked, c.listen, "coordinator");
  if (!port) return pass_on(port);
  s.coordinator_port = *port;
  write_port_file(s.plan.config.node.data_dir, "coordinator.port", *port);
  logging::logger("node")->info("coordinator {} listening on {}:{}", s.identity->node_id(),
                                c.listen.host, *port);
  return {};
}

Result<std::shared_ptr<const rendering::Renderer>> load_renderer(const config::RenderingSection& r,
                                                              bool benchmark_tasks,
                                                              std::string_view where,
                                                              std::uint64_t& speed) {
  auto renderer = rendering::Renderer::load(r, benchmark_tasks);
  if (!renderer) return context(renderer.error(), where);
  auto measured = (*renderer)->measure_speed();
  if (!measured) return context(measured.error(), where);
  speed = *measured;
  return std::shared_ptr<const rendering::Renderer>(std::move(*renderer));
}

// "$.worker", then "$.worker#1", ... for the extra workers of an embedded network.
std::string indexed(std::string_view base, std::size_t index, char separator) {
  std::string out(base);
  if (index > 0) {
    out.push_back(separator);
    out += std::to_string(index);
  }
  return out;
}

// The name a worker or validator of this node signs into its registration: the node's name when
// the node is that one role, else "NAME/worker-2" so each of several is told apart (the base cut
// so the whole stays a valid node name).
std::string registered_name(const config::NodeConfig& c, std::string_view role, std::size_t index) {
  if (index == 0 && c.roles.size() == 1 && c.roles.front() == role && !c.node.name.empty())
    return c.node.name;
  const std::string suffix = std::string(role) + "-" + std::to_string(index);
  if (c.node.name.empty()) return suffix;
  const std::size_t room = protocol::kMaxNodeNameBytes - suffix.size() - 1;
  return c.node.name.substr(0, room) + "/" + suffix;
}

Result<void> start_worker(Node::State& s, const config::WorkerSection& w, std::size_t index) {
  const std::string where = indexed("$.worker", index, '#');
  auto fault = worker::parse_test_fault(w.test_fault);
  if (!fault) return pass_on(fault);
  worker::WorkerSetup setup;
  setup.section = w;
  setup.network = s.plan.config.network;
  setup.fault = *fault;
  setup.name = registered_name(s.plan.config, "worker", index);
  if (w.key_file.empty()) {
    setup.identity = s.identity;
  } else {
    auto k = identity_at(w.key_file, where + ".key_file: worker");
    if (!k) return pass_on(k);
    setup.identity = *k;
  }
  auto renderer =
      load_renderer(w.rendering, w.benchmark_tasks, where, setup.pixel_steps_per_second);
  if (!renderer) return pass_on(renderer);
  if (*fault == worker::TestFault::cheat) {
    // Test builds only (parse_test_fault refused it otherwise): this worker renders a cheat.
    auto cheat = worker::parse_cheat(w.test_fault);
    if (!cheat) return context(cheat.error(), where, ".test_fault");
    auto writable = std::const_pointer_cast<rendering::Renderer>(*renderer);
    if (auto e = writable->enable_cheat(*cheat); !e) return context(e.error(), where);
  }
  setup.renderer = *renderer;
  watch(s, caf::actor_cast<caf::actor>(worker::spawn_worker(
               *s.system, std::move(setup), s.coordinator ? &s.coordinator : nullptr)));
  return {};
}

Result<void> start_validator(Node::State& s, const config::ValidatorSection& v, std::size_t index) {
  const std::string where = indexed("$.validator", index, '#');
  validator::ValidatorSetup setup;
  setup.section = v;
  setup.network = s.plan.config.network;
  setup.name = registered_name(s.plan.config, "validator", index);
  const bool shares_data_dir = s.coordinator || index > 0;
  setup.ledger_checkpoint_file = checkpoint_file(
      s.plan.config.node.data_dir, shares_data_dir ? indexed("validator", index, '-') : "");
  if (const auto& data_dir = s.plan.config.node.data_dir; !data_dir.empty()) {
    const std::string name = shares_data_dir
                                 ? "verdicts-" + indexed("validator", index, '-') + ".jsonl"
                                 : std::string("verdicts.jsonl");
    auto record = verify::VerdictRecord::open((fs::path(data_dir) / name).string());
    if (!record) return context(record.error(), where, ": validator");
    setup.verdict_record = std::move(*record);
  }
  if (v.key_file.empty()) {
    setup.identity = s.identity;
  } else {
    auto k = identity_at(v.key_file, where + ".key_file: validator");
    if (!k) return pass_on(k);
    setup.identity = *k;
  }
  auto renderer = load_renderer(v.rendering, false, where, setup.pixel_steps_per_second);
  if (!renderer) return pass_on(renderer);
  setup.renderer = *renderer;
  watch(s, caf::actor_cast<caf::actor>(validator::spawn_validator(
               *s.system, std::move(setup), s.coordinator ? &s.coordinator : nullptr)));
  return {};
}

Result<void> check_models(const config::RenderingSection& r, const std::string& where) {
  for (std::size_t i = 0; i < r.models.size(); ++i) {
    std::error_code ec;
    if (!fs::exists(r.models[i].path, ec))
      return fail(where, ".models[", i, "].path: ", r.models[i].path, " does not exist");
  }
  return {};
}

// A listen address this machine can bind: a name that does not resolve (or an address that is
// not one) is otherwise found only when the node publishes its actor, after it loaded its models.
Result<void> check_listen_host(const config::Endpoint& listen, std::string_view where) {
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(listen.host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc != 0)
    return fail(where, ".host: '", listen.host, "' is not an address of this machine (",
                ::gai_strerror(rc), ")");
  return {};
}

}  // namespace

Result<void> check_config(const config::NodeConfig& c) {
  if (auto named = protocol::check_node_name(c.node.name); !named)
    return context(named.error(), "$.node.name");
  if (auto kept = check_key_kept(c.node.key_file, c.node.data_dir); !kept) return kept;
  if (c.treasury)
    if (auto e = treasury::treasury_config_of(*c.treasury); !e) return pass_on(e);
  if (c.coordinator)
    for (std::size_t i = 0; i < c.coordinator->models.size(); ++i) {
      std::error_code ec;
      const auto& m = c.coordinator->models[i];
      if (!m.path.empty() && !fs::exists(m.path, ec))
        return fail("$.coordinator.models[", i, "].path: ", m.path, " does not exist");
    }
  if (c.coordinator && !c.coordinator->journal.empty()) {
    const std::string& journal = c.coordinator->journal;
    if (auto ok = storage::check_location(journal); !ok)
      return context(ok.error(), "$.coordinator.journal");
    // The data directory is created at start; a journal placed elsewhere needs its folder.
    const fs::path folder = fs::path(journal).parent_path();
    std::error_code ec;
    if (storage::engine_of(journal) == storage::Engine::sqlite && !folder.empty() &&
        !fs::is_directory(folder, ec))
      return fail("$.coordinator.journal: the folder ", folder.string(), " of ", journal,
                  " does not exist");
  } else if (c.coordinator && !c.node.data_dir.empty()) {
    const std::string journal = (fs::path(c.node.data_dir) / "journal.sqlite").string();
    if (auto ok = storage::check_location(journal); !ok)
      return context(ok.error(), "coordinator journal in $.node.data_dir");
  }
  if (c.treasury)
    if (auto ok = storage::check_location(c.treasury->database); !ok)
      return context(ok.error(), "$.treasury.database");
  if (c.coordinator)
    if (auto ok = check_listen_host(c.coordinator->listen, "$.coordinator.listen"); !ok) return ok;
  if (c.treasury && c.treasury->listen)
    if (auto ok = check_listen_host(*c.treasury->listen, "$.treasury.listen"); !ok) return ok;
  if (c.gateway)
    if (auto ok = check_listen_host(c.gateway->listen, "$.gateway.listen"); !ok) return ok;
  // Each task script is read, run in its sandbox and its schema checked, as at start.
  if (c.coordinator)
    if (auto t = coordinator::TaskCatalog::load(c.coordinator->task_types); !t) return pass_on(t);
  if (c.worker) {
    if (auto f = worker::parse_test_fault(c.worker->test_fault); !f)
      return pass_on(f);
    if (auto m = check_models(c.worker->rendering, "$.worker"); !m) return m;
  }
  if (c.validator) {
    if (c.validator->test_fault != "none" && !worker::test_faults_enabled())
      return fail("$.validator.test_fault: '", c.validator->test_fault,
                  "' is a test-only fault and this build refuses it (configure with "
                  "-DSEEDGRID_TEST_FAULTS=ON to run fault tests)");
    if (auto m = check_models(c.validator->rendering, "$.validator"); !m) return m;
  }
  return {};
}

Node::Node(std::unique_ptr<State> state) : state_(std::move(state)) {}

Node::~Node() { stop(); }

Result<std::unique_ptr<Node>> Node::start(NodePlan plan) {
  // Everything a node writes (journal, ledger, results, logs, keys, port files) is its own: files
  // 0600 and folders 0700, whatever umask the operator's shell had. Prompts and images of other
  // people's requests are among them.
  ::umask(077);
  auto s = std::make_unique<State>();
  s->plan = std::move(plan);
  const config::NodeConfig& c = s->plan.config;
  if (s->plan.configure_logging)
    if (auto r = logging::configure(c.node.log_level, c.node.log_file,
                                    {c.node.log_max_bytes, c.node.log_keep_files});
        !r)
      return context(r.error(), "$.node.log_file");
  if (!c.node.data_dir.empty()) {
    auto lock = storage::lock_data_dir(c.node.data_dir);
    if (!lock) return context(lock.error(), "$.node.data_dir");
    s->data_dir_lock.emplace(std::move(*lock));
  }
  if (auto kept = check_key_kept(c.node.key_file, c.node.data_dir); !kept) return pass_on(kept);
  auto id = identity_at(c.node.key_file, "$.node.key_file: node");
  if (!id) return pass_on(id);
  s->identity = *id;
  s->caf_config = std::make_unique<caf::actor_system_config>();
  link::configure_actor_system(*s->caf_config, c.network, s->identity);
  s->system = std::make_unique<caf::actor_system>(*s->caf_config);
  logging::logger("node")->info("node {} ({}) starting: {}", c.node.name,
                                s->identity->node_id().substr(0, 16), c.node.name);
  if (c.network.insecure)
    logging::logger("node")->warn(
        "network.insecure: this node's links are plain TCP, not TLS: anyone on the path reads "
        "every prompt and image, and any peer can connect unauthenticated. Remove "
        "\"insecure\" from the config's network section to run TLS");

  auto node = std::unique_ptr<Node>(new Node(std::move(s)));
  State& st = *node->state_;
  if (c.treasury)
    if (auto r = start_treasury(st); !r) return pass_on(r);
  if (c.coordinator)
    if (auto r = start_coordinator(st); !r) return pass_on(r);
  std::size_t workers = 0, validators = 0;
  if (c.worker)
    if (auto r = start_worker(st, *c.worker, workers++); !r) return pass_on(r);
  for (const auto& w : st.plan.extra_workers)
    if (auto r = start_worker(st, w, workers++); !r) return pass_on(r);
  if (c.validator)
    if (auto r = start_validator(st, *c.validator, validators++); !r)
      return pass_on(r);
  for (const auto& v : st.plan.extra_validators)
    if (auto r = start_validator(st, v, validators++); !r) return pass_on(r);
  if (c.gateway) {
    gateway::GatewayPlacement placement;
    placement.system = st.system.get();
    placement.coordinator = st.coordinator ? &st.coordinator_as_linked : nullptr;
    placement.network = c.network;
    if (c.treasury) placement.ledger_path = c.treasury->database;
    auto gw = gateway::Gateway::start(*c.gateway, placement);
    if (!gw) return context(gw.error(), "$.gateway");
    st.gateway = std::move(*gw);
  }
  return node;
}

caf::actor_system& Node::system() { return *state_->system; }

const protocol::coordinator_actor* Node::coordinator() const {
  return state_->coordinator ? &state_->coordinator : nullptr;
}

std::uint16_t Node::coordinator_port() const { return state_->coordinator_port; }
std::uint16_t Node::treasury_port() const { return state_->treasury_port; }
bool Node::failed() const { return state_->failed->load(); }

void Node::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  state_->stopping->store(true);
  state_->gateway.reset();  // HTTP first: its sessions are clients of the coordinator
  // Clients and nodes first, then the coordinator, then the treasury it may still be paying.
  for (auto it = state_->roles.rbegin(); it != state_->roles.rend(); ++it)
    caf::anon_send_exit(*it, caf::exit_reason::user_shutdown);
  state_->system->await_all_actors_done();
  state_->roles.clear();
  state_->coordinator = nullptr;
  state_->treasury = nullptr;
  state_->system.reset();
  logging::logger("node")->info("node stopped");
}

int run_until_signal(const config::NodeConfig& config) {
  // Signals are taken by sigtimedwait below; block them before any thread starts so none of
  // CAF's threads receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reopen the log file (logrotate)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (auto checked = check_config(config); !checked) {
    std::fprintf(stderr, "seedgrid node: %s\n", checked.error().message.c_str());
    return 2;
  }
  auto node = Node::start(NodePlan{config, {}, {}, true});
  if (!node) {
    std::fprintf(stderr, "seedgrid node: %s\n", node.error().message.c_str());
    return 1;
  }
  const timespec poll{0, 100'000'000};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig == SIGHUP) {
      logging::reopen();
      logging::logger("node")->info("SIGHUP: log file reopened");
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM) {
      logging::logger("node")->info("signal {}: stopping", sig);
      (*node)->stop();
      return 0;
    }
    if ((*node)->failed()) {
      logging::logger("node")->error("a role stopped unexpectedly; stopping the node");
      (*node)->stop();
      return 1;
    }
  }
}

}  // namespace seedgrid::node
