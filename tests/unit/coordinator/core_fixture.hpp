#pragma once
// A coordinator core wired to a real ledger (through the treasury desk) in a temporary directory,
// with helpers that play the workers and validators by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>

#include "actors/coordinator/coordinator_core.hpp"
#include "actors/treasury/accounts.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "actors/worker/commitment.hpp"
#include "runtime/base/protocol/job.hpp"
#include "tests/unit/storage/database_location.hpp"

namespace seedgrid::coordinator::testing {

inline const std::string kModel(64, 'a');

inline std::filesystem::path fresh_dir(const std::string& name) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto dir =
      std::filesystem::temp_directory_path() / ("seedgrid-" + name + "-" + std::to_string(rng()));
  std::filesystem::create_directories(dir);
  return dir;
}

// Removes a test's folder when the test ends, whichever assertion ends it (declare it right after
// the folder, so it goes after everything that has files open there).
struct RemovedAtEnd {
  std::filesystem::path dir;
  ~RemovedAtEnd() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

class CoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("core");
    treasury::TreasuryConfig tc;
    tc.min_stake_fast = min_stake_fast_;
    // On the `.postgres` run the ledger and the journal are schemas on the throwaway server.
    const std::string ledger_at =
        test::database_location((dir_ / "ledger.sqlite").string(), "ledger");
    if (test::postgres_uri_file()) policy_.journal = test::database_location("", "journal");
    auto ledger = treasury::Ledger::open(ledger_at, treasury_id_, tc);
    ASSERT_TRUE(ledger) << ledger.error().message;
    ledger_ = std::make_unique<treasury::Ledger>(std::move(*ledger));
    desk_ = std::make_unique<treasury::TreasuryDesk>(*ledger_);
    auto dep = ledger_->apply(
        treasury::Deposit{"deposit/1", 1, payer_account(), 1'000 * treasury::kMicrosPerUnit});
    ASSERT_TRUE(dep) << dep.error().message;
    policy_.audit.rate = 0.0;
    policy_.audit.appeals = false;  // the appeal tests turn them on
    policy_.deadlines.min_ms = 1'000;
    policy_.deadlines.base_ms = 1'000;
    open_core();
  }

  void TearDown() override {
    core_.reset();
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  void open_core() {
    CoreOptions o;
    o.policy = policy_;
    o.catalog.add({kModel, "tiny", "creator:test", 43'200}, model_limits_);
    auto task_types = TaskCatalog::load(task_types_);
    ASSERT_TRUE(task_types) << task_types.error().message;
    o.task_types = std::move(*task_types);
    o.data_dir = (dir_ / "coordinator").string();
    o.recent_done_requests = recent_done_requests_;
    o.pool_peers = pool_peers_;
    Outbox out;
    core_.reset();
    auto core = CoordinatorCore::open(coordinator_id_, o, now_, out);
    ASSERT_TRUE(core) << core.error().message;
    core_ = std::move(*core);
    pump(out);
  }

  std::string payer_account() const { return user_account(client_.public_key()); }

  protocol::GenerateRequest request(const std::string& id, std::uint32_t count) const {
    protocol::GenerateRequest r;
    r.request_id = id;
    r.model_id = kModel;
    r.prompt = "a red fox";
    r.seed = 100;
    r.steps = 4;
    r.width = 64;
    r.height = 64;
    r.count = count;
    protocol::sign_request(r, client_);
    return r;
  }

  // An attach or cancel command from `who`, fresh at wall_.
  protocol::ClientCommand command(protocol::ClientCommandKind kind, const std::string& id,
                                  const Identity& who) const {
    return protocol::make_client_command(kind, id, core_->key(), who, wall_);
  }

  protocol::Capabilities worker_caps(std::uint32_t inflight = 4,
                                     std::uint64_t speed = 100'000) const {
    protocol::Capabilities c;
    c.models = {kModel};
    c.task_types = {"txt2img"};
    c.device = "cpu";
    c.determinism_class = "cpu-test";
    c.max_batch = 1;
    c.max_inflight = inflight;
    c.pixel_steps_per_second = speed;
    return c;
  }

  void register_node(const Identity& id, protocol::Role role, const protocol::Capabilities& caps) {
    const auto challenge = core_->hello(now_);
    const auto reg =
        protocol::make_registration(role, "node-" + id.node_id().substr(0, 8), caps, challenge, id);
    ASSERT_TRUE(core_->verify_registration(reg, now_).ok());
    // As the actor does: a worker's fast tier is the treasury's word on its stake.
    const bool fast =
        role == protocol::Role::worker && desk_->stake(worker_account(id.public_key())).serves_fast;
    Outbox out;
    auto ack = core_->admit(reg, fast, "", now_, out);
    ASSERT_TRUE(ack.outcome.ok());
    pump(out);
  }

  // Deterministic pixels of a job (what an honest worker of this test returns).
  static std::vector<std::uint8_t> pixels_of(const protocol::Job& job) {
    const Digest d = protocol::spec_hash(job.spec);
    std::vector<std::uint8_t> p(static_cast<std::size_t>(job.spec.width) * job.spec.height * 3);
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = d[i % d.size()];
    return p;
  }

  static protocol::JobResult result_of(const protocol::Job& job, const Identity& worker,
                                       bool wrong = false) {
    protocol::JobResult r;
    r.job_id = job.job_id;
    r.attempt = job.attempt;
    r.spec_hash = protocol::spec_hash(job.spec);
    r.model_id = job.spec.model_id;
    r.width = job.spec.width;
    r.height = job.spec.height;
    r.pixels = pixels_of(job);
    if (wrong) r.pixels[0] ^= 0xff;
    r.output_hash = protocol::output_hash_of(r.pixels);
    r.determinism_class = "cpu-test";
    // A stand-in trajectory of steps + 1 one-value latents (the core checks only its shape).
    verify::Trajectory t;
    for (std::uint32_t i = 0; i <= job.spec.steps; ++i)
      t.record(i, Tensor::host_f32({1, 1, 1, 1}, {float(i) + (wrong ? 0.5f : 0.0f)}));
    r.trajectory_root = t.root();
    // A scripted job commits one tree over all its passes (each pass's steps + 1 leaves).
    std::uint32_t scripted_leaves = 0;
    for (const auto& pass : job.spec.passes) scripted_leaves += pass.steps + 1;
    worker::fill_commitment(r, job.spec, "f32", &t, scripted_leaves);
    protocol::sign_result(r, worker);
    return r;
  }

  // Carries out treasury orders, stake checks and the sweep of open holds against the real
  // ledger until none are left, and collects the rest of the outbox for the test to look at.
  void pump(Outbox& out) {
    ASSERT_TRUE(core_->commit());
    for (;;) {
      std::vector<protocol::LedgerOrder> orders;
      std::vector<PublicKey> checks;
      std::vector<std::string> sweeps;
      for (auto& placed : out.list<PlaceOrder>()) orders.push_back(std::move(placed.order));
      for (const auto& check : out.list<CheckStake>()) checks.push_back(check.worker);
      for (const auto& ask : out.list<AskOpenHolds>()) sweeps.push_back(ask.coordinator);
      if (orders.empty() && checks.empty() && sweeps.empty()) break;
      collect(out);
      auto receipts = desk_->apply(orders, 1'700'000'000);
      Outbox next;
      for (std::size_t i = 0; i < orders.size(); ++i)
        core_->on_receipt(orders[i], receipts[i], now_, next);
      for (const auto& k : checks) {
        ++stake_checks_;
        core_->on_stake(k, desk_->stake(worker_account(k)), now_, next);
      }
      for (const auto& coordinator : sweeps)
        core_->on_open_holds(desk_->open_holds(coordinator), now_, next);
      ASSERT_TRUE(core_->commit());
      out = std::move(next);
    }
    collect(out);
  }

  // The treasury orders in an outbox, in order.
  static std::vector<protocol::LedgerOrder> orders_of(const Outbox& out) {
    std::vector<protocol::LedgerOrder> orders;
    for (const auto& placed : out.list<PlaceOrder>()) orders.push_back(placed.order);
    return orders;
  }

  // Keeps what the test looks at (orders and stake checks were carried out by pump).
  void collect(Outbox& out) {
    auto move_all = [](auto& from, auto& to) {
      std::move(from.begin(), from.end(), std::back_inserter(to));
    };
    move_all(out.list<SendJob>(), jobs_);
    move_all(out.list<CancelJob>(), cancels_);
    move_all(out.list<SendAudit>(), audits_);
    move_all(out.list<NotifyVerdict>(), notices_);
    for (auto& told : out.list<TellClient>()) events_.push_back(std::move(told.event));
    for (auto& answer : out.list<AnswerSubmit>()) acks_.push_back(std::move(answer.ack));
    sweeps_asked_ += out.list<AskOpenHolds>().size();
    out.clear();
  }

  // Submits and pumps; returns the ack (from the answer or the outbox).
  protocol::SubmitAck submit(const protocol::GenerateRequest& r) {
    Outbox out;
    auto answer = core_->submit(r, now_, out);
    pump(out);
    if (!answer.reply.ok()) {
      protocol::SubmitAck refused;
      refused.outcome = answer.reply;
      return refused;
    }
    if (answer.ack) return *answer.ack;
    for (auto it = acks_.rbegin(); it != acks_.rend(); ++it)
      if (it->request_id == r.request_id) return *it;
    ADD_FAILURE() << "no ack for " << r.request_id;
    return {};
  }

  // The one job sent so far reports `steps` done, its request is cancelled, and the cancel grace
  // passes without the worker's report (the tick settles it). Returns the job.
  protocol::Job cancel_past_the_grace(const Identity& worker, const std::string& request_id,
                                      std::uint32_t steps) {
    auto jobs = take_jobs();
    EXPECT_EQ(jobs.size(), 1u);
    if (jobs.empty()) return {};
    const protocol::Job job = jobs[0].job;
    Outbox out;
    core_->on_progress(worker.public_key(), {job.job_id, job.attempt, steps, job.spec.steps}, out);
    EXPECT_TRUE(core_
                    ->cancel(command(protocol::ClientCommandKind::cancel, request_id, client_),
                             now_, wall_, out)
                    .ok());
    pump(out);
    now_ += policy_.deadlines.cancel_grace_ms + 1;
    Outbox later;
    core_->tick(now_, later);
    pump(later);
    return job;
  }

  // Takes the jobs sent so far.
  std::vector<SendJob> take_jobs() {
    auto j = std::move(jobs_);
    jobs_.clear();
    return j;
  }

  protocol::Reply deliver(const SendJob& send, const Identity& worker, bool wrong = false) {
    Outbox out;
    auto reply =
        core_->on_result(worker.public_key(), result_of(send.job, worker, wrong), now_, out);
    pump(out);
    return reply;
  }

  // Submits the one-job request `id` with `seed`, has w1_ (registered) deliver it, and keeps its
  // image's hash in images_: the same spec and seed make the same image.
  void finish_one_job(const std::string& id, std::uint64_t seed) {
    auto r = request(id, 1);
    r.seed = seed;
    protocol::sign_request(r, client_);
    ASSERT_TRUE(submit(r).outcome.ok()) << id;
    for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok()) << id;
    ASSERT_EQ(core_->request(id)->phase, RequestPhase::done) << id;
    images_[id] = core_->request(id)->jobs[0].output_hash;
  }

  // Whether the core still holds the image of `id` (finish_one_job).
  bool holds_image_of(const std::string& id) {
    auto h = core_->holds_image(images_.at(id));
    EXPECT_TRUE(h) << h.error().message;
    return h && *h;
  }

  // A worker's failure report of a job it was sent.
  protocol::Reply report(const SendJob& send, const Identity& worker, protocol::ErrorCode code,
                         const std::string& reason) {
    Outbox out;
    auto reply = core_->on_failure(worker.public_key(),
                                   {send.job.job_id, send.job.attempt, code, reason, 0}, now_, out);
    pump(out);
    return reply;
  }

  // The failures charged to a worker (its reputation's count).
  std::uint64_t failed(const Identity& worker) const {
    return core_->nodes().find(worker.public_key())->jobs_failed;
  }

  std::vector<protocol::ClientEvent> events_of(protocol::EventKind kind) const {
    std::vector<protocol::ClientEvent> out;
    for (const auto& e : events_)
      if (e.kind == kind) out.push_back(e);
    return out;
  }

  std::int64_t credits(const std::string& account) const {
    auto b = ledger_->balance(account, treasury::Asset::credits);
    return b ? *b : -1;
  }

  void expect_conservation() const {
    auto c = ledger_->conservation();
    ASSERT_TRUE(c);
    for (const auto& asset : *c) EXPECT_TRUE(asset.holds_exactly());
  }

  std::filesystem::path dir_;
  Identity coordinator_id_ = Identity::from_seed({10});
  Identity treasury_id_ = Identity::from_seed({11});
  Identity client_ = Identity::from_seed({12});
  Identity w1_ = Identity::from_seed({21});
  Identity w2_ = Identity::from_seed({22});
  Identity w3_ = Identity::from_seed({23});
  Identity validator_ = Identity::from_seed({31});
  config::CoordinatorSection policy_;
  RenderLimits model_limits_{8, 16};                // what the catalog says the model renders
  std::vector<config::TaskTypeSource> task_types_;  // scripted task types; set before open_core
  std::size_t recent_done_requests_ = CoreOptions{}.recent_done_requests;  // before open_core
  std::vector<PublicKey> pool_peers_;  // coordinators sharing the workers; before open_core
  std::int64_t now_ = 1'000'000;
  std::int64_t wall_ = 1'700'000'000'000;  // Unix ms: what client commands are dated in
  std::int64_t min_stake_fast_ = 0;        // micro-tokens; set before SetUp to test the fast tier
  std::size_t stake_checks_ = 0;           // stake checks the core asked for
  std::size_t sweeps_asked_ = 0;           // AskOpenHolds the core sent
  std::unique_ptr<treasury::Ledger> ledger_;
  std::unique_ptr<treasury::TreasuryDesk> desk_;
  std::unique_ptr<CoordinatorCore> core_;
  std::vector<SendJob> jobs_;
  std::map<std::string, Digest> images_;  // finish_one_job
  std::vector<CancelJob> cancels_;
  std::vector<SendAudit> audits_;
  std::vector<NotifyVerdict> notices_;
  std::vector<protocol::ClientEvent> events_;
  std::vector<protocol::SubmitAck> acks_;
};

}  // namespace seedgrid::coordinator::testing
