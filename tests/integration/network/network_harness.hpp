#pragma once
// Real seedgrid networks for integration and fault tests: `seedgrid node` processes on 127.0.0.1
// with ports chosen free at run time and their data in a temporary directory. Every child is
// killed and reaped when the harness goes away, also when a test fails half way; their logs are
// printed when a test failed.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "config/node_config.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/verify/verdict_record.hpp"

namespace seedgrid::testing {

// A child process; killed (SIGKILL) and reaped by the destructor if still running.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::filesystem::path& log);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for the exit status (-signal if killed); nothing when `timeout` passed first.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  const std::filesystem::path& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_;
};

std::uint16_t free_port();
// The tiny preset, written once per test process.
const std::string& tiny_model_path();
const std::string& tiny_model_id();

struct NetworkOptions {
  int workers = 3;
  int validators = 1;
  double audit_rate = 0.0;
  std::uint32_t blacklist_after = 2;
  std::uint32_t worker_max_batch = 4;
  std::uint32_t worker_max_inflight = 4;
  std::map<int, std::string> worker_faults;     // worker index -> test fault (or cheat)
  std::map<int, std::string> validator_faults;  // validator index -> test fault
  // Storage precision per node ("f16": the cpu-f16s determinism class); absent: the device's f32.
  std::map<int, std::string> worker_precisions;
  std::map<int, std::string> validator_precisions;
  // Verification: the audit rate above is exact (no raise for new workers, no deterrence floor).
  std::uint32_t step_audits = 2;
  double full_rate = 0.0;
  bool same_class_first = true;  // coordinator audit.same_class_first and same_class_slack
  std::uint32_t same_class_slack = 2;
  bool appeals = true;
  std::uint32_t appeal_window_ms = 3'000;
  bool worker_appeals = true;  // workers appeal failed verdicts (worker.appeal_failed_audits)
  bool stake_workers = false;  // mint and bond tokens for every worker (so slashes have a stake)
  // Validators are admitted by the coordinator's validator_allowlist, which lists every
  // validator's key but these (by index): they register unlisted and unbonded.
  std::set<int> unlisted_validators;
  // Validators (by index) whose tokens the ledger bonds before the network starts
  // (stake:validator:<id>, validator_min_stake_tokens of them): admitted on their bond.
  std::set<int> bonded_validators;
  std::int64_t validator_min_stake_tokens = 20;
  bool separate_treasury = false;  // the treasury as its own node process
  // coordinator.task_types: scripted task types, as {name, path of the .lua file}.
  std::vector<std::pair<std::string, std::string>> task_types;
  bool insecure = false;  // every node and the test's client on plain TCP (network.insecure)
  // The coordinator key the workers pin (worker.coordinator_key); empty: the coordinator's.
  std::string worker_pins_coordinator;
  // The port workers connect to (a relay in front of the coordinator, set with
  // Network::workers_connect_through); 0: the coordinator's.
  std::uint16_t worker_coordinator_port = 0;
  std::uint32_t heartbeat_ms = 500;
  std::uint32_t connection_timeout_ms = 3'000;
};

class Network {
 public:
  explicit Network(NetworkOptions options);
  ~Network();

  // Starts the coordinator+treasury node, then the workers and validators, and waits until all
  // registered.
  void start();
  void start_coordinator();
  void start_treasury();
  void start_worker(int index);
  void start_validator(int index);
  // Until the coordinator lists `nodes` connected nodes, its treasury linked and every worker on
  // the fast tier (false on timeout).
  bool wait_for_nodes(std::size_t nodes, std::chrono::seconds timeout);

  Child& coordinator() { return *coordinator_; }
  Child& treasury() { return *treasury_; }
  Child& worker(int index) { return *workers_.at(index); }
  const std::filesystem::path& dir() const { return dir_; }
  config::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  const Identity& client() const { return client_; }
  std::string coordinator_id() const { return coordinator_key_.node_id(); }
  // Workers started from now on connect to `port` (a relay in front of endpoint()).
  void workers_connect_through(std::uint16_t port) { options_.worker_coordinator_port = port; }
  const Identity& treasury_identity() const { return treasury_key_; }
  const Identity& worker_identity(int index) const { return worker_keys_.at(index); }
  const Identity& validator_identity(int index) const { return validator_keys_.at(index); }
  std::string ledger_path() const;
  std::string coordinator_config() const;
  caf::actor_system& system() { return client_system_->get(); }

  // A signed request for the tiny model.
  protocol::GenerateRequest request(const std::string& id, std::uint32_t count,
                                    std::uint32_t steps = 4) const;
  // Stops every process (SIGTERM, then SIGKILL) and closes the client system.
  void stop();
  // Prints the tail of every child's log (call when a test failed).
  void dump_logs() const;

 private:
  std::string write_config(const std::string& name, const std::string& json) const;
  NetworkOptions options_;
  std::filesystem::path dir_;
  // The ledger's location, and the journal's when it is not the coordinator's default file: on a
  // `.postgres` run both are schemas on the throwaway server (database_location.hpp).
  std::string ledger_location_;
  std::string journal_location_;
  std::uint16_t port_ = 0;
  std::uint16_t treasury_port_ = 0;
  Identity coordinator_key_;
  Identity treasury_key_;
  Identity client_;
  std::vector<Identity> worker_keys_;
  std::vector<Identity> validator_keys_;
  std::unique_ptr<client::ClientSystem> client_system_;
  std::unique_ptr<Child> coordinator_;
  std::unique_ptr<Child> treasury_;
  std::map<int, std::unique_ptr<Child>> workers_;
  std::map<int, std::unique_ptr<Child>> validators_;
};

// Collects a request's events in the test process.
struct Collected {
  std::mutex mutex;
  std::vector<protocol::ClientEvent> events;
  std::vector<std::chrono::steady_clock::time_point> received;  // when each event arrived
  std::map<std::uint32_t, protocol::ClientEvent> results;
  // What each job's settlement did (its paid event; an image goes out before its payment).
  std::map<std::uint32_t, protocol::PaymentReceipt> payments;
  std::size_t progress = 0;
  std::optional<protocol::SubmitAck> ack;

  client::SessionCallbacks callbacks();
  std::size_t result_count();
  // How many jobs went back to the queue for `code` (retry events).
  std::size_t retries(protocol::ErrorCode code);
};

// The bytes a single-process render of job `index` of `request` produces (the reference), on the
// CPU in `precision` (empty: f32).
std::vector<std::uint8_t> reference_pixels(const protocol::GenerateRequest& request,
                                           std::uint32_t index, const std::string& precision = "");

// `net.request(id, count, steps)` of scripted task `task`, with `params` (sorted here) and the images
// they name by id, signed again.
protocol::GenerateRequest scripted_request(const Network& net, const std::string& id,
                                           const std::string& task, std::uint32_t count,
                                           std::uint32_t steps, protocol::TaskParams params,
                                           std::vector<RgbImage> images = {});

// The image a single-process run of the task script at `script_path` gives for job `index` of
// the scripted `request` (the reference a worker's scripted job must match).
std::vector<std::uint8_t> reference_scripted_pixels(const std::string& script_path,
                                                    const protocol::GenerateRequest& request,
                                                    std::uint32_t index);

// Submits `request` as the network's client and waits until it completes (nothing on timeout).
std::optional<client::SessionOutcome> run_request(
    Network& net, const protocol::GenerateRequest& request, Collected& collected,
    std::chrono::seconds timeout = std::chrono::seconds(240));

// Slash entries in a ledger's history that took stake from `account` ("worker:<node id>").
std::size_t slashes_of(const std::vector<treasury::JournalEntry>& history,
                       const std::string& account);
// After the network stopped: worker `cheater` lost stake at least once, worker `honest` never.
void expect_slashed_and_spared(const Network& net, int cheater, int honest);

// While it lives, node processes started from this one hold each journal commit in flight for
// `milliseconds` (SEEDGRID_TEST_COMMIT_DELAY_MS, which they inherit; only a build with
// -DSEEDGRID_TEST_FAULTS reads it): the coordinator then handles messages while a commit runs,
// which is what the tests of those orderings need.
class CommitsHeldInFlight {
 public:
  explicit CommitsHeldInFlight(int milliseconds);
  ~CommitsHeldInFlight();
  CommitsHeldInFlight(const CommitsHeldInFlight&) = delete;
  CommitsHeldInFlight& operator=(const CommitsHeldInFlight&) = delete;
};

// Waits until `n` results arrived (false on timeout).
bool wait_for_results(Collected& got, std::size_t n, std::chrono::seconds timeout);
// Every settlement in a ledger, keyed by "<request>/<index>", with how often each job was paid;
// also expects every asset to be conserved exactly.
std::map<std::string, int> settlements_by_job(const std::string& ledger_path);
// Each of the request's `count` jobs was paid exactly once.
void expect_each_job_settled_once(const std::string& ledger_path, const std::string& request,
                                  std::uint32_t count);
// The ledger's history as it is now (empty while the file cannot be read).
std::vector<treasury::JournalEntry> ledger_history(const Network& net);
// The ledger's history once it has stopped changing: no new entry for `quiet` (polled every 100 ms,
// at most `limit`). Asserting "exactly once" on it sees a late duplicate that a fixed sleep before
// the assertion could miss; a ledger still changing after `limit` fails the calling test.
std::vector<treasury::JournalEntry> settled_history(
    const Network& net, std::chrono::milliseconds quiet = std::chrono::milliseconds(2'000),
    std::chrono::seconds limit = std::chrono::seconds(60));

// What validator `index` recorded about the jobs whose id starts with `job_prefix`
// (DATA_DIR/verdicts.jsonl, its own record, in the order written); a record that cannot be read
// fails the calling test.
std::vector<verify::RecordedVerdict> recorded_verdicts(const Network& net, int index,
                                                       std::string_view job_prefix = "");

}  // namespace seedgrid::testing
