#include <gtest/gtest.h>

#include <cmath>

#include "actors/coordinator/audit_sampler.hpp"
#include "actors/coordinator/deadline.hpp"
#include "actors/coordinator/node_registry.hpp"
#include "actors/coordinator/reputation.hpp"
#include "actors/coordinator/router.hpp"

namespace seedgrid::coordinator {
namespace {

const std::string kModel(64, 'a');

protocol::Capabilities caps(std::uint64_t speed, std::uint32_t inflight = 4) {
  protocol::Capabilities c;
  c.models = {kModel};
  c.task_types = {"txt2img"};
  c.max_inflight = inflight;
  c.pixel_steps_per_second = speed;
  return c;
}

protocol::JobSpec spec() {
  protocol::JobSpec s;
  s.model_id = kModel;
  s.task_type = "txt2img";
  s.steps = 10;
  s.width = 64;
  s.height = 64;
  return s;
}

PublicKey key(std::uint8_t b) { return Identity::from_seed({b}).public_key(); }

TEST(Reputation, MovingAveragesAndWeights) {
  config::ReputationPolicy p;
  p.alpha = 0.5;
  p.initial = 0.5;
  Reputation r(p);
  EXPECT_DOUBLE_EQ(r.score(), 0.5);
  r.observe_success(100.0, 100.0);
  EXPECT_DOUBLE_EQ(r.state().success, 0.75);
  EXPECT_DOUBLE_EQ(r.state().latency, 0.75);
  r.observe_success(100.0, 400.0);  // four times slower than it claimed
  EXPECT_DOUBLE_EQ(r.state().latency, 0.5);
  r.observe_success(100.0, 10.0);  // faster than claimed is capped at 1
  EXPECT_DOUBLE_EQ(r.state().latency, 0.75);
  r.observe_failure();
  EXPECT_DOUBLE_EQ(r.state().success, 0.46875);  // three successes, then a failure
  r.observe_audit(false);
  EXPECT_DOUBLE_EQ(r.state().audit, 0.25);
  r.observe_uptime(true);
  EXPECT_DOUBLE_EQ(r.state().uptime, 0.75);
  const auto& s = r.state();
  EXPECT_DOUBLE_EQ(r.score(), p.success_weight * s.success + p.latency_weight * s.latency +
                                  p.uptime_weight * s.uptime + p.audit_weight * s.audit);
}

TEST(Deadline, ScalesWithWorkAheadAndClamps) {
  config::DeadlinePolicy p;
  p.base_ms = 1'000;
  p.slack = 2.0;
  p.min_ms = 1'500;
  p.max_ms = 100'000;
  // 1000 pixel-steps at 1000/s = 1 s expected -> 1000 + 2*1000.
  EXPECT_EQ(job_deadline_ms(p, 1'000, 0, 1, 1'000), 3'000);
  EXPECT_EQ(job_deadline_ms(p, 1'000, 1'000, 1, 1'000), 5'000);    // one job ahead
  EXPECT_EQ(job_deadline_ms(p, 1'000, 0, 3, 1'000), 7'000);        // rendered in a batch of 3
  EXPECT_EQ(job_deadline_ms(p, 1, 0, 1, 1'000'000), 1'500);        // min
  EXPECT_EQ(job_deadline_ms(p, 1'000'000'000, 0, 1, 1), 100'000);  // max
}

TEST(AuditSampler, RateIsRespectedAndChoicesAreStable) {
  const Digest salt = blake2b(std::string_view("salt"));
  AuditSampler none(salt, 0.0), all(salt, 1.0), tenth(salt, 0.1);
  int picked = 0;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = "r/" + std::to_string(i);
    EXPECT_FALSE(none.sampled(id, 1));
    EXPECT_TRUE(all.sampled(id, 1));
    picked += tenth.sampled(id, 1);
    EXPECT_EQ(tenth.sampled(id, 1), AuditSampler(salt, 0.1).sampled(id, 1));
  }
  EXPECT_NEAR(picked, 1'000, 120);
  // Another salt picks other jobs.
  AuditSampler other(blake2b(std::string_view("other")), 0.1);
  int same = 0;
  for (int i = 0; i < 1'000; ++i) {
    const std::string id = "r/" + std::to_string(i);
    same += tenth.sampled(id, 1) && other.sampled(id, 1);
  }
  EXPECT_LT(same, 40);
}

class RouterTest : public ::testing::Test {
 protected:
  config::ReputationPolicy rep_;
  config::RoutingPolicy routing_;
  NodeRegistry nodes_{rep_};
  protocol::JobSpec spec_ = spec();
  std::set<PublicKey> used_;
  std::vector<PublicKey> excluded_;
  std::optional<PublicKey> pick(protocol::Tier tier = protocol::Tier::fast) {
    return pick_worker(nodes_, {&spec_, tier, &used_, &excluded_}, routing_);
  }
};

TEST_F(RouterTest, PrefersFasterAndLessLoadedWorkers) {
  nodes_.connect(key(1), protocol::Role::worker, caps(1'000), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(4'000), true, 0);
  EXPECT_EQ(pick(), key(2));
  // Load the fast one until its expected finish time is worse.
  nodes_.find(key(2))->inflight = {{"a", 50'000}, {"b", 50'000}, {"c", 50'000}};
  EXPECT_EQ(pick(), key(1));
}

TEST_F(RouterTest, ReputationWeighsIn) {
  nodes_.connect(key(1), protocol::Role::worker, caps(1'000), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(1'000), true, 0);
  const PublicKey smaller = std::min(key(1), key(2)), larger = std::max(key(1), key(2));
  EXPECT_EQ(pick(), smaller);  // a tie goes to the smaller node id
  nodes_.find(smaller)->reputation.observe_failure();
  EXPECT_EQ(pick(), larger);
}

TEST_F(RouterTest, FiltersModelTierCapacityBlacklistAndRole) {
  auto other_model = caps(9'000);
  other_model.models = {std::string(64, 'b')};
  nodes_.connect(key(1), protocol::Role::worker, other_model, true, 0);
  nodes_.connect(key(2), protocol::Role::validator, caps(9'000), true, 0);
  auto relaxed_only = caps(9'000);
  relaxed_only.serves_fast = false;
  nodes_.connect(key(3), protocol::Role::worker, relaxed_only, true, 0);
  nodes_.connect(key(4), protocol::Role::worker, caps(9'000), /*fast_allowed=*/false, 0);
  EXPECT_FALSE(pick(protocol::Tier::fast));
  EXPECT_TRUE(pick(protocol::Tier::relaxed));
  nodes_.connect(key(5), protocol::Role::worker, caps(1, 1), true, 0);
  EXPECT_EQ(pick(protocol::Tier::fast), key(5));
  nodes_.find(key(5))->inflight["x"] = 1;
  EXPECT_FALSE(pick(protocol::Tier::fast));  // full
  nodes_.find(key(5))->inflight.clear();
  nodes_.find(key(5))->blacklisted = true;
  EXPECT_FALSE(pick(protocol::Tier::fast));
  EXPECT_FALSE(any_capable_worker(nodes_, spec_, protocol::Tier::fast));
  nodes_.disconnect(key(5), 0);
  nodes_.find(key(5))->blacklisted = false;
  EXPECT_FALSE(pick(protocol::Tier::fast));  // disconnected
}

TEST_F(RouterTest, AvoidsWorkersThatFailedTheJobWhileOthersExist) {
  nodes_.connect(key(1), protocol::Role::worker, caps(9'000), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(1'000, 1), true, 0);
  excluded_ = {key(1)};
  EXPECT_EQ(pick(), key(2));
  nodes_.find(key(2))->inflight["busy"] = 1;
  EXPECT_FALSE(pick());  // wait for the other worker rather than retry on the failed one
  nodes_.disconnect(key(2), 0);
  EXPECT_EQ(pick(), key(1));  // nobody else left: the failed one may try again
}

TEST_F(RouterTest, CapsWorkersPerRequest) {
  routing_.max_workers_per_request = 1;
  nodes_.connect(key(1), protocol::Role::worker, caps(1'000), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(9'000), true, 0);
  used_ = {key(1)};
  EXPECT_EQ(pick(), key(1));
}

TEST_F(RouterTest, ValidatorIsNeverTheAuditedWorker) {
  nodes_.connect(key(1), protocol::Role::validator, caps(1'000), true, 0);
  nodes_.connect(key(2), protocol::Role::validator, caps(1'000), true, 0);
  EXPECT_EQ(pick_validator(nodes_, kModel, key(1)), key(2));
  nodes_.assign(*nodes_.find(key(2)), "a#1", 1);  // through the registry: it keeps the load index
  EXPECT_EQ(pick_validator(nodes_, kModel, key(3)), key(1));  // the less busy one
  EXPECT_FALSE(pick_validator(nodes_, std::string(64, 'c'), key(3)));
}

TEST_F(RouterTest, AValidatorOfTheWorkersClassIsPreferredWhileNotMuchBusier) {
  auto of_class = [](const char* cls) {
    protocol::Capabilities c = caps(1'000);
    c.determinism_class = cls;
    return c;
  };
  nodes_.connect(key(1), protocol::Role::validator, of_class("cpu-x86_64-f32-aa"), true, 0);
  nodes_.connect(key(2), protocol::Role::validator, of_class("cuda-sm90-h100-f16-bb"), true, 0);
  const std::string gpu = "cuda-sm90-h100-f16-bb";
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(9)}, gpu, 2), key(2));
  // No preference: equally idle, so the smaller node id.
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(9)}, "", 2), std::min(key(1), key(2)));
  nodes_.assign(*nodes_.find(key(2)), "a#1", 1);
  nodes_.assign(*nodes_.find(key(2)), "b#1", 1);
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(9)}, gpu, 2), key(2));  // 2 busier: within slack
  nodes_.assign(*nodes_.find(key(2)), "c#1", 1);
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(9)}, gpu, 2), key(1));  // 3 busier: the idle one
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(9)}, gpu), key(2));     // a referee waits for it
  EXPECT_EQ(pick_validator(nodes_, kModel, {key(2)}, gpu), key(1));     // excluded: anyone else
}

TEST(NodeRegistry, DisconnectReturnsInflightAndKeepsReputation) {
  NodeRegistry nodes{config::ReputationPolicy{}};
  NodeEntry& n = nodes.connect(key(1), protocol::Role::worker, caps(1), true, 1'000);
  n.inflight = {{"r/1", 5}, {"r/0", 5}};
  n.reputation.observe_failure();
  const double score = n.reputation.score();
  const auto lost = nodes.disconnect(key(1), 3'000);
  EXPECT_EQ(lost, (std::vector<std::string>{"r/0", "r/1"}));
  EXPECT_FALSE(nodes.find(key(1))->connected);
  EXPECT_EQ(nodes.find(key(1))->status(5'000).connected_seconds, 2u);
  nodes.connect(key(1), protocol::Role::worker, caps(1), true, 10'000);
  EXPECT_DOUBLE_EQ(nodes.find(key(1))->reputation.score(), score);
  EXPECT_EQ(nodes.find(key(1))->status(12'000).connected_seconds, 4u);
}

}  // namespace
}  // namespace seedgrid::coordinator
