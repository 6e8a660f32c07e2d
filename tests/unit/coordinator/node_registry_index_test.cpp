// The registry's routing index (workers with room, validators, interned names) must say exactly
// what a walk over every node would say, through every change routing depends on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/node_registry.hpp"
#include "actors/coordinator/router.hpp"

namespace seedgrid::coordinator {
namespace {

const std::string kModel(64, 'a');
const std::string kOtherModel(64, 'b');

protocol::Capabilities caps(std::uint32_t inflight, std::vector<std::string> models = {kModel}) {
  protocol::Capabilities c;
  c.models = std::move(models);
  c.task_types = {"txt2img"};
  c.max_inflight = inflight;
  c.pixel_steps_per_second = 1'000;
  return c;
}

PublicKey key(std::uint8_t b) { return Identity::from_seed({b}).public_key(); }

// What the index must hold: every worker that is connected, not blacklisted and has room.
std::set<PublicKey> room_by_walk(const NodeRegistry& nodes) {
  std::set<PublicKey> out;
  for (const auto& [k, n] : nodes.nodes())
    if (n.role == protocol::Role::worker && n.connected && !n.blacklisted &&
        n.inflight.size() < n.capabilities.max_inflight)
      out.insert(k);
  return out;
}

std::set<PublicKey> validators_by_walk(const NodeRegistry& nodes) {
  std::set<PublicKey> out;
  for (const auto& [k, n] : nodes.nodes())
    if (n.role == protocol::Role::validator) out.insert(k);
  return out;
}

// The validators' load index in its order, by a walk: connected and not blacklisted, the least
// busy first, then the higher reputation, then the smaller id.
std::vector<PublicKey> ready_validators_by_walk(const NodeRegistry& nodes) {
  std::vector<const NodeEntry*> ready;
  for (const auto& [k, n] : nodes.nodes())
    if (n.role == protocol::Role::validator && n.connected && !n.blacklisted) ready.push_back(&n);
  std::stable_sort(ready.begin(), ready.end(), [](const NodeEntry* a, const NodeEntry* b) {
    if (a->inflight.size() != b->inflight.size()) return a->inflight.size() < b->inflight.size();
    return a->reputation.score() > b->reputation.score();
  });
  std::vector<PublicKey> out;
  for (const NodeEntry* n : ready) out.push_back(n->key);
  return out;
}

std::vector<PublicKey> keys_in_load_order(const NodeRegistry& nodes) {
  std::vector<PublicKey> out;
  for (const ReadyValidator& v : nodes.validators_by_load()) {
    EXPECT_EQ(v.entry->key, v.key) << "the load index points at another node's entry";
    out.push_back(v.key);
  }
  return out;
}

// An index's keys; each entry it points at must be the node of that key.
std::set<PublicKey> keys_of(const NodeRegistry::Index& index) {
  std::set<PublicKey> out;
  for (const auto& [k, n] : index) {
    EXPECT_EQ(n->key, k) << "the index points at another node's entry";
    out.insert(k);
  }
  return out;
}

class RegistryIndexTest : public ::testing::Test {
 protected:
  config::ReputationPolicy rep_;
  NodeRegistry nodes_{rep_};
  void expect_consistent(const char* step) {
    EXPECT_EQ(keys_of(nodes_.workers_with_room()), room_by_walk(nodes_)) << "after " << step;
    EXPECT_EQ(keys_of(nodes_.validators()), validators_by_walk(nodes_)) << "after " << step;
    EXPECT_EQ(keys_in_load_order(nodes_), ready_validators_by_walk(nodes_)) << "after " << step;
  }
};

TEST_F(RegistryIndexTest, StaysExactThroughRegisterAssignFinishLoseBlacklistAndReregister) {
  nodes_.connect(key(1), protocol::Role::worker, caps(2), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(1), true, 0);
  nodes_.connect(key(3), protocol::Role::validator, caps(1), true, 0);
  expect_consistent("register");
  EXPECT_EQ(keys_of(nodes_.workers_with_room()), (std::set<PublicKey>{key(1), key(2)}));

  nodes_.assign(*nodes_.find(key(2)), "r#0", 10);
  expect_consistent("assign filling a worker");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(2)));
  nodes_.assign(*nodes_.find(key(1)), "r#1", 10);
  expect_consistent("assign leaving room");
  EXPECT_TRUE(nodes_.workers_with_room().contains(key(1)));

  nodes_.release(*nodes_.find(key(2)), "r#0");
  expect_consistent("finish");
  EXPECT_TRUE(nodes_.workers_with_room().contains(key(2)));

  nodes_.assign(*nodes_.find(key(2)), "r#2", 10);
  EXPECT_EQ(nodes_.disconnect(key(2), 5), std::vector<std::string>{"r#2"});
  expect_consistent("lose");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(2)));

  NodeEntry& one = *nodes_.find(key(1));
  one.blacklisted = true;
  nodes_.refresh(one);
  expect_consistent("blacklist");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(1)));
  nodes_.release(one, "r#1");  // a blacklisted worker's job taken back: still no room for it
  expect_consistent("release on a blacklisted worker");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(1)));

  nodes_.connect(key(2), protocol::Role::worker, caps(1), true, 10);
  expect_consistent("re-register");
  EXPECT_TRUE(nodes_.workers_with_room().contains(key(2)));
  // The same node comes back as a validator: it leaves the workers and joins the validators.
  nodes_.connect(key(2), protocol::Role::validator, caps(1), true, 20);
  expect_consistent("re-register in another role");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(2)));
  EXPECT_TRUE(nodes_.validators().contains(key(2)));

  // Known from the journal only: indexed by role, never with room until it registers.
  nodes_.restore(key(4), protocol::Role::worker, ReputationState{});
  nodes_.restore(key(5), protocol::Role::validator, ReputationState{});
  expect_consistent("restore");
  EXPECT_FALSE(nodes_.workers_with_room().contains(key(4)));
}

TEST_F(RegistryIndexTest, StaysExactThroughALongMixOfChanges) {
  // A fixed pseudo-random walk over every operation; the walk is the reference after each one.
  std::uint64_t x = 12345;
  auto next = [&x](std::uint64_t bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % bound;
  };
  int assigned = 0;
  for (int step = 0; step < 3'000; ++step) {
    const PublicKey k = key(static_cast<std::uint8_t>(1 + next(12)));
    NodeEntry* n = nodes_.find(k);
    switch (next(8)) {
      case 0:
        nodes_.connect(k, next(4) == 0 ? protocol::Role::validator : protocol::Role::worker,
                       caps(static_cast<std::uint32_t>(1 + next(3))), true, step);
        break;
      case 1:
        nodes_.disconnect(k, step);
        break;
      case 2:
      case 3:
        if (n != nullptr && n->connected) nodes_.assign(*n, "j#" + std::to_string(assigned++), 1);
        break;
      case 4:
        if (n != nullptr && !n->inflight.empty()) nodes_.release(*n, n->inflight.begin()->first);
        break;
      case 5:
        if (n != nullptr) {
          n->blacklisted = !n->blacklisted;
          nodes_.refresh(*n);
        }
        break;
      case 6:
        if (n != nullptr) nodes_.observe_audit(*n, next(2) == 0);
        break;
      default:
        nodes_.restore(k, next(2) == 0 ? protocol::Role::validator : protocol::Role::worker,
                       ReputationState{});
        break;
    }
    ASSERT_EQ(keys_of(nodes_.workers_with_room()), room_by_walk(nodes_)) << "at step " << step;
    ASSERT_EQ(keys_of(nodes_.validators()), validators_by_walk(nodes_)) << "at step " << step;
    const std::vector<PublicKey> ready = ready_validators_by_walk(nodes_);
    ASSERT_EQ(keys_in_load_order(nodes_), ready) << "at step " << step;
    // An audit of worker k goes to the least busy validator that is not k.
    std::optional<PublicKey> expected;
    for (const PublicKey& v : ready)
      if (v != k) {
        expected = v;
        break;
      }
    ASSERT_EQ(pick_validator(nodes_, kModel, k), expected) << "at step " << step;
  }
}

TEST_F(RegistryIndexTest, ModelsAndTaskTypesAreComparedByInternedId) {
  EXPECT_FALSE(nodes_.name_id(kModel));  // nobody registered it yet
  nodes_.connect(key(1), protocol::Role::worker, caps(1, {kOtherModel, kModel}), true, 0);
  nodes_.connect(key(2), protocol::Role::worker, caps(1, {kOtherModel}), true, 0);
  const auto model = nodes_.name_id(kModel), other = nodes_.name_id(kOtherModel);
  const auto task = nodes_.name_id("txt2img");
  ASSERT_TRUE(model && other && task);
  EXPECT_NE(*model, *other);
  const NodeEntry& one = *nodes_.find(key(1));
  const NodeEntry& two = *nodes_.find(key(2));
  EXPECT_EQ(one.serves(*model, *task), one.serves(kModel, "txt2img"));
  EXPECT_TRUE(one.serves(*model, *task));
  EXPECT_FALSE(two.serves(*model, *task));
  EXPECT_TRUE(two.serves(*other, *task));
  EXPECT_FALSE(one.serves(*model, *model));  // a model id is no task type

  // A job for a model no node ever registered finds no worker and no validator.
  protocol::JobSpec s;
  s.model_id = std::string(64, 'c');
  s.task_type = "txt2img";
  s.steps = 10;
  s.width = 64;
  s.height = 64;
  config::RoutingPolicy routing;
  EXPECT_FALSE(pick_worker(nodes_, {&s, protocol::Tier::fast, nullptr, nullptr}, routing));
  EXPECT_FALSE(any_capable_worker(nodes_, s, protocol::Tier::fast));
  EXPECT_FALSE(pick_validator(nodes_, s.model_id, key(9)));
  s.model_id = kModel;
  EXPECT_EQ(pick_worker(nodes_, {&s, protocol::Tier::fast, nullptr, nullptr}, routing), key(1));
}

// The rule a pick must follow, by a walk over every node: the highest score
// rate / max(speed, 1000 x (work in flight + this job's work)), equal scores to the higher rate,
// then the smaller id.
std::optional<PublicKey> best_by_walk(const NodeRegistry& nodes, const protocol::JobSpec& spec) {
  std::optional<PublicKey> best;
  double best_score = -1.0, best_rate = 0.0;
  const std::uint64_t work = protocol::job_work(spec);
  for (const auto& [k, n] : nodes.nodes()) {
    if (n.role != protocol::Role::worker || !n.connected || n.blacklisted || !n.has_room())
      continue;
    if (!n.serves(spec.model_id, spec.task_type) || !n.capabilities.serves_fast || !n.fast_allowed)
      continue;
    const std::uint64_t pps = n.capabilities.pixel_steps_per_second;
    const double speed = pps == 0 ? 1000.0 : double(pps);
    const double rate =
        std::pow(std::max(n.reputation.score(), 1e-6), config::RoutingPolicy{}.reputation_weight) *
        speed;
    const double score = rate / std::max(speed, 1000.0 * double(n.inflight_work() + work));
    if (score > best_score || (score == best_score && rate > best_rate)) {
      best = k;
      best_score = score;
      best_rate = rate;
    }
  }
  return best;
}

// A pick reads the workers with room best rate first and stops early; through a long mix of
// registrations, jobs of every size, results that move reputations, losses and blacklistings,
// it must choose exactly the worker a walk over the whole fleet chooses. Speeds come from a
// short list so that many workers tie.
TEST_F(RegistryIndexTest, APickInRateOrderIsTheBestOfAWalkOverEveryWorker) {
  std::uint64_t x = 777;
  auto next = [&x](std::uint64_t bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % bound;
  };
  const std::uint64_t speeds[] = {0, 1'000, 1'000, 4'000, 250'000};
  config::RoutingPolicy routing;
  int assigned = 0;
  int picked = 0;
  for (int step = 0; step < 4'000; ++step) {
    const PublicKey k = key(static_cast<std::uint8_t>(1 + next(40)));
    NodeEntry* n = nodes_.find(k);
    switch (next(8)) {
      case 0: {
        auto c = caps(static_cast<std::uint32_t>(1 + next(3)));
        c.pixel_steps_per_second = speeds[next(5)];
        nodes_.connect(k, protocol::Role::worker, c, next(5) != 0, step);
        break;
      }
      case 1:
        if (next(3) == 0) nodes_.disconnect(k, step);
        break;
      case 2:
        if (n != nullptr && n->connected)
          nodes_.assign(*n, "j#" + std::to_string(assigned++), 1 + next(5'000'000));
        break;
      case 3:
        if (n != nullptr && !n->inflight.empty()) nodes_.release(*n, n->inflight.begin()->first);
        break;
      case 4:
        if (n != nullptr) nodes_.observe_success(*n, 1'000.0, double(200 + next(3'000)));
        break;
      case 5:
        if (n != nullptr) nodes_.observe_failure(*n);
        break;
      case 6:
        if (n != nullptr) nodes_.observe_audit(*n, next(4) != 0);
        break;
      default:
        if (n != nullptr && next(4) == 0) {
          n->blacklisted = !n->blacklisted;
          nodes_.refresh(*n);
        }
        break;
    }
    protocol::JobSpec s;
    s.model_id = kModel;
    s.task_type = "txt2img";
    s.steps = static_cast<std::uint32_t>(1 + next(50));
    s.width = 64 * static_cast<std::uint32_t>(1 + next(8));
    s.height = 64;
    const auto got = pick_worker(nodes_, {&s, protocol::Tier::fast, nullptr, nullptr}, routing);
    ASSERT_EQ(got, best_by_walk(nodes_, s)) << "at step " << step;
    if (got) ++picked;
  }
  EXPECT_GT(picked, 1'000);  // the comparison was not mostly between two empty answers
}

}  // namespace
}  // namespace seedgrid::coordinator
