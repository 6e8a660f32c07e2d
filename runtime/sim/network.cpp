// Set-up of a simulated network (ledger, funds, stakes, the coordinator core, the nodes), the
// run loop over virtual time, and the summary of what happened.
#include "runtime/sim/network.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/node_registry.hpp"
#include "actors/treasury/operations.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/sim/cheat_detection.hpp"
#include "runtime/sim/network_state.hpp"

namespace seedgrid::sim {

namespace fs = std::filesystem;
using coordinator::Outbox;

namespace {

constexpr std::int64_t kUserCredits = 1'000'000'000 * treasury::kMicrosPerUnit;
// Every worker is bonded above the fast tier's minimum, so a slash (10 % by default) is visible
// in its stake and leaves it in the fast tier: only the blacklist stops a cheater.
constexpr std::int64_t kStakePerWorker = 2'000 * treasury::kMicrosPerUnit;
constexpr std::int64_t kMinStakeFast = 100 * treasury::kMicrosPerUnit;
// A run that has not ended after this much virtual time is stuck (a lost job, a request that
// never ends): the invariants name what.
constexpr std::int64_t kVirtualLimitMs = 400LL * 86'400'000;

Identity identity_of(char role, std::uint64_t a, std::uint64_t b) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = static_cast<std::uint8_t>(role);
  for (int i = 0; i < 8; ++i) {
    seed[1 + i] = static_cast<std::uint8_t>(a >> (8 * i));
    seed[9 + i] = static_cast<std::uint8_t>(b >> (8 * i));
  }
  return Identity::from_seed(seed);
}

// The journal's audit salt decides which results are sampled; a new journal draws it at random,
// so the simulation writes one drawn from its seed before the core opens the journal.
Result<void> seed_audit_salt(const std::string& journal_path, std::uint64_t seed,
                             const std::string& stream) {
  {
    auto journal = coordinator::Journal::open(journal_path, {}, storage::Durability::none);
    if (!journal) return pass_on(journal);
  }
  auto db = storage::Database::open(journal_path, {.durability = storage::Durability::none});
  if (!db) return pass_on(db);
  RandomStream salt_stream(seed, stream);
  std::array<std::uint8_t, 32> salt{};
  for (auto& b : salt) b = static_cast<std::uint8_t>(salt_stream.next());
  auto ins = db->prepare("INSERT INTO meta VALUES('audit_salt', ?)");
  if (!ins) return pass_on(ins);
  return ins->bind_blob(1, salt).run();
}

Result<void> open_ledger(NetworkState& s) {
  treasury::TreasuryConfig tc;
  tc.min_stake_fast = kMinStakeFast;
  // The first epoch mints each worker its stake (equal service, equal share).
  tc.epoch_reward = kStakePerWorker * std::int64_t(std::max<std::size_t>(1, s.facts.size()));
  auto ledger = treasury::Ledger::open((fs::path(s.work_dir) / "ledger.sqlite").string(),
                                       s.treasury_id, tc, storage::Durability::none);
  if (!ledger) return context(ledger.error(), "opening the simulation's ledger");
  s.ledger = std::make_unique<treasury::Ledger>(std::move(*ledger));
  s.desk = std::make_unique<treasury::TreasuryDesk>(*s.ledger);
  std::vector<treasury::Operation> ops;
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    ops.push_back(treasury::Deposit{"sim/deposit/" + std::to_string(u), s.unix_s(),
                                    coordinator::user_account(s.users[u].identity.public_key()),
                                    kUserCredits});
    s.summary.money.deposited += kUserCredits;
  }
  // Tokens to stake come the way a real network's do: an epoch reward for equal service.
  treasury::CloseEpoch mint{"sim/mint", s.unix_s(), 0, {}, {}};
  for (const auto& f : s.facts) mint.workers.push_back({f.account, 1'000, 3'600});
  ops.push_back(std::move(mint));
  for (const auto& r : s.ledger->apply_batch(ops))
    if (!r) return context(r.error(), "funding the simulated users and workers");
  ops.clear();
  for (auto& f : s.facts) {
    auto tokens = s.ledger->balance(f.account, treasury::Asset::tokens);
    if (!tokens) return pass_on(tokens);
    if (*tokens < kMinStakeFast)
      return fail("the simulation's first epoch minted ", f.account, " ", *tokens,
                  " micro-tokens, below the fast tier's minimum ", kMinStakeFast);
    f.staked = *tokens;
    ops.push_back(treasury::Stake{"sim/stake/" + f.account, s.unix_s(), f.account, *tokens});
  }
  for (const auto& r : s.ledger->apply_batch(ops))
    if (!r) return context(r.error(), "staking the simulated workers");
  return {};
}

void add_nodes(NetworkState& s) {
  const auto& sc = s.scenario;
  bool any_validator = false;
  for (std::size_t g = 0; g < sc.validators.size(); ++g)
    for (std::uint32_t i = 0; i < sc.validators[g].count; ++i) {
      SimValidator v(identity_of('v', g, i), s.seed, s.validators.size());
      v.determinism_class = sc.validators[g].determinism_class;
      v.audit_ms = std::llround(sc.validators[g].audit_seconds * 1000.0);
      s.scenario.coordinator.validator_allowlist.push_back(v.identity.node_id());
      s.validator_of[v.identity.public_key()] = s.validators.size();
      s.validators.push_back(std::move(v));
      any_validator = true;
    }
  for (std::size_t g = 0; g < sc.workers.size(); ++g) {
    const WorkerGroup& group = sc.workers[g];
    std::vector<const CheaterGroup*> cheat_of;  // the group's first workers cheat
    for (const auto& c : group.cheaters)
      for (std::uint32_t i = 0; i < c.count; ++i) cheat_of.push_back(&c);
    for (std::uint32_t i = 0; i < group.count; ++i) {
      SimWorker w(identity_of('w', g, i), s.seed, s.workers.size());
      w.group = g;
      w.seconds = group.seconds_per_image * w.chance.lognormal_factor(group.speed_spread);
      WorkerFacts f;
      f.key = w.identity.public_key();
      f.account = coordinator::worker_account(f.key);
      if (i < cheat_of.size()) {
        w.cheat = cheat_of[i]->kind;
        w.cheat_share = cheat_of[i]->share;
        f.honest = false;
        // The detection its audits have: same class when a validator shares its class and the
        // policy sends audits there first.
        const bool same =
            sc.coordinator.audit.same_class_first &&
            std::any_of(sc.validators.begin(), sc.validators.end(), [&](const ValidatorGroup& v) {
              return v.count > 0 && v.determinism_class == group.determinism_class;
            });
        const auto row = *cheat_detection(w.cheat);
        const double detection = same ? row.same_class : row.cross_class;
        // Each coordinator counts the failed audits of its own jobs, so with several the first
        // blacklisting (the network's ban) comes after up to as many times the cheats.
        f.bound = any_validator
                      ? cheater_bound(sc.coordinator.audit.blacklist_after,
                                      sc.coordinator.audit.rate, detection, w.cheat_share) *
                            sc.coordinators
                      : 0;
        s.summary.cheaters.push_back(
            {f.key.hex().substr(0, 16), w.cheat, detection, 0, f.bound, -1});
      }
      w.facts = s.facts.size();
      s.facts.push_back(std::move(f));
      s.worker_of[w.identity.public_key()] = s.workers.size();
      s.workers.push_back(std::move(w));
    }
  }
  for (std::uint32_t u = 0; u < sc.users; ++u)
    s.users.emplace_back(identity_of('u', u, 0), s.seed, u);
}

// Each coordinator has its own journal, result store and audit salt (drawn from the seed).
Result<void> open_cores(NetworkState& s) {
  const auto model = blake2b(std::string_view("seedgrid simulated model"));
  s.model_id = to_hex(model);
  // The core keeps a reference to its identity: each lives in the vector, reserved up front.
  s.coordinators.reserve(s.scenario.coordinators);
  for (std::uint32_t c = 0; c < s.scenario.coordinators; ++c)
    s.coordinators.emplace_back(c == 0 ? Identity::from_seed({1, 's', 'i', 'm'})
                                       : identity_of('c', c, 0));
  for (std::uint32_t c = 0; c < s.scenario.coordinators; ++c) {
    const std::string suffix = c == 0 ? "" : "-" + std::to_string(c);
    const fs::path dir = fs::path(s.work_dir) / ("coordinator" + suffix);
    fs::create_directories(dir);
    if (auto r = seed_audit_salt((dir / "journal.sqlite").string(), s.seed,
                                 c == 0 ? "audit salt" : "audit salt/" + std::to_string(c));
        !r)
      return context(r.error(), "seeding the journal's audit salt");
    coordinator::CoreOptions o;
    o.policy = s.scenario.coordinator;
    RenderLimits limits;
    limits.size_multiple = 8;
    o.catalog.add({s.model_id, "simulated", "creator:sim", 43'200}, limits);
    o.data_dir = dir.string();
    // The run's folder is thrown away afterwards: its fsyncs buy nothing (storage::Durability).
    o.durability = storage::Durability::none;
    // Finished requests are checked and counted as they complete (coordinator_link.cpp): the core
    // keeps the most recent in memory, as a real coordinator does (CoreOptions default).
    SimCoordinator& k = s.coordinators[c];
    for (const auto& peer : s.coordinators)
      if (&peer != &k) o.pool_peers.push_back(peer.identity.public_key());
    Outbox out;
    auto core = coordinator::CoordinatorCore::open(k.identity, o, s.now(), out);
    if (!core) return context(core.error(), "opening coordinator core " + std::to_string(c));
    k.core = std::move(*core);
  }
  return {};
}

void schedule_tick(NetworkState& s, std::size_t c) {
  s.queue.after(s.scenario.tick_ms, [&s, c] {
    with_core(s, c, [&](Outbox& out) { s.core(c).tick(s.now(), out); });
    if (!workload_done(s) || !s.coordinators_idle()) schedule_tick(s, c);
  });
}

std::int64_t percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::floor(p * double(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

void summarise(NetworkState& s) {
  Summary& m = s.summary;
  m.scenario = s.scenario.name;
  m.seed = s.seed;
  m.workers = static_cast<std::uint32_t>(s.workers.size());
  m.validators = static_cast<std::uint32_t>(s.validators.size());
  m.makespan_ms = s.first_submit_ms < 0 ? 0 : s.last_end_ms - s.first_submit_ms;
  std::int64_t busy = 0, audit = 0;
  for (const auto& w : s.workers) busy += w.busy_ms;
  for (const auto& v : s.validators) audit += v.busy_ms;
  const double span = double(std::max<std::int64_t>(1, m.makespan_ms));
  m.utilisation = double(busy) / (double(std::max<std::size_t>(1, s.workers.size())) * span);
  m.audit_cost_share = busy > 0 ? double(audit) / double(busy) : 0.0;
  m.requests_per_s = double(m.requests) / (span / 1000.0);
  m.images_per_s = double(m.delivered) / (span / 1000.0);
  m.queue_wait_p50_ms = percentile(s.queue_waits, 0.50);
  m.queue_wait_p99_ms = percentile(s.queue_waits, 0.99);
  m.batches = s.batches;
  m.groups.resize(s.scenario.workers.size());
  for (std::size_t g = 0; g < m.groups.size(); ++g) m.groups[g].name = s.scenario.workers[g].name;
  for (const auto& w : s.workers) {
    auto& g = m.groups[w.group];
    ++g.workers;
    g.results += w.results;
    g.utilisation += double(w.busy_ms) / span;
  }
  for (auto& g : m.groups) g.utilisation /= double(std::max<std::uint32_t>(1, g.workers));
  std::size_t c = 0;
  for (const auto& w : s.workers)
    if (!w.cheat.empty()) {
      m.cheaters[c].cheats = s.facts[w.facts].cheats;
      m.cheaters[c].caught_ms = w.caught_ms;
      ++c;
    }
  m.events = s.queue.executed();
  for (const auto& k : s.coordinators)
    // Over the run from virtual time 0 (registrations included) to the last request's end.
    m.coordinators.push_back(
        {k.requests, k.calls,
         std::min(1.0, double(k.busy_us) /
                           (1000.0 * double(std::max<std::int64_t>(1, s.last_end_ms))))});
}

}  // namespace

std::string fresh_work_dir(std::uint64_t seed) {
  static std::uint64_t runs = 0;
  const fs::path base =
      fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (base / ("seedgrid-vsim-" + std::to_string(::getpid()) + "-" + std::to_string(seed) + "-" +
                  std::to_string(++runs)))
      .string();
}

SimulatedNetwork::SimulatedNetwork(std::unique_ptr<NetworkState> state)
    : state_(std::move(state)) {}
SimulatedNetwork::~SimulatedNetwork() = default;

Result<std::unique_ptr<SimulatedNetwork>> SimulatedNetwork::create(const Scenario& scenario,
                                                                   std::uint64_t seed,
                                                                   const std::string& work_dir) {
  auto s = std::make_unique<NetworkState>(scenario, seed);
  s->work_dir = work_dir;
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) return fail("cannot create ", work_dir, ": ", ec.message());
  add_nodes(*s);
  if (auto r = open_ledger(*s); !r) return pass_on(r);
  if (auto r = open_cores(*s); !r) return pass_on(r);
  // Each worker's home coordinator, by the rule the cores route by (node_registry.hpp).
  for (const auto& c : s->coordinators) s->coordinator_keys.push_back(c.identity.public_key());
  for (auto& w : s->workers)
    w.home = coordinator::home_coordinator(w.identity.public_key(), s->coordinator_keys);
  return std::unique_ptr<SimulatedNetwork>(new SimulatedNetwork(std::move(s)));
}

Result<Summary> SimulatedNetwork::run() {
  NetworkState& s = *state_;
  for (std::size_t v = 0; v < s.validators.size(); ++v) start_validator(s, v);
  for (std::size_t w = 0; w < s.workers.size(); ++w) {
    const auto& g = s.scenario.workers[s.workers[w].group];
    const auto at =
        g.start_ms + std::int64_t(s.workers[w].chance.below(std::uint64_t(g.start_spread_ms) + 1));
    s.queue.at(at, [&s, w] { start_worker(s, w); });
  }
  start_workload(s);
  schedule_partitions(s);
  schedule_departures(s);
  schedule_treasury_cuts(s);
  schedule_validator_cuts(s);
  for (std::size_t c = 0; c < s.coordinators.size(); ++c) schedule_tick(s, c);
  std::uint64_t since_check = 0;
  while (!s.stopped && s.queue.step()) {
    if (++since_check >= s.scenario.check_every_events) {
      since_check = 0;
      ++s.summary.invariant_checks;
      if (auto r = check_running(s.invariant_inputs()); !r) return pass_on(r);
    }
    if (s.now() > kVirtualLimitMs)
      return fail("the run did not end within ", kVirtualLimitMs / 86'400'000,
                  " virtual days (seed ", s.seed, ")");
    if (workload_done(s) && s.coordinators_idle()) break;
  }
  if (s.stopped) return std::unexpected(*s.stopped);
  ++s.summary.invariant_checks;
  if (auto r = check_final(s.invariant_inputs()); !r) return pass_on(r);
  summarise(s);
  return s.summary;
}

Result<void> SimulatedNetwork::check_invariants(bool final) const {
  return final ? check_final(state_->invariant_inputs())
               : check_running(state_->invariant_inputs());
}

coordinator::CoordinatorCore& SimulatedNetwork::core(std::size_t c) { return state_->core(c); }
treasury::Ledger& SimulatedNetwork::ledger() { return *state_->ledger; }
std::int64_t SimulatedNetwork::now_ms() const { return state_->now(); }

}  // namespace seedgrid::sim
