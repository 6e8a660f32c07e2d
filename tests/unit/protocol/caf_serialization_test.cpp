// Every protocol message survives CAF's binary serialization (what travels between nodes) intact.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::protocol {
namespace {

template <class T>
std::vector<char> serialized(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink(sys, buf);
  EXPECT_FALSE(sink(x));
  return buf;
}

template <class T>
T round_trip(caf::actor_system& sys, const T& in) {
  const std::vector<char> buf = serialized(sys, in);
  T out;
  caf::binary_deserializer source(sys, buf);
  EXPECT_FALSE(source(out));
  return out;
}

// An actor system that knows every protocol message type.
struct CafSerialization : ::testing::Test {
  static caf::actor_system_config& with_message_types(caf::actor_system_config& cfg) {
    add_message_types(cfg);
    return cfg;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{with_message_types(cfg)};
};

TEST_F(CafSerialization, MessagesRoundTrip) {
  GenerateRequest r;
  r.request_id = "req";
  r.model_id = std::string(64, 'c');
  r.prompt = "p";
  r.guidance = 6.5f;
  r.tier = Tier::relaxed;
  r.privacy = Privacy::private_images;
  sign_request(r, Identity::from_seed({3}));
  const auto r2 = round_trip(sys, r);
  EXPECT_EQ(request_digest(r2), request_digest(r));
  EXPECT_TRUE(request_signature_valid(r2));
  EXPECT_EQ(r2.tier, Tier::relaxed);

  JobResult jr;
  jr.job_id = "req/0";
  jr.attempt = 2;
  jr.pixels = {1, 2, 3};
  jr.output_hash = output_hash_of(jr.pixels);
  sign_result(jr, Identity::from_seed({4}));
  const auto jr2 = round_trip(sys, jr);
  EXPECT_EQ(jr2.pixels, jr.pixels);
  EXPECT_EQ(jr2.signature, jr.signature);
  EXPECT_EQ(result_signing_bytes(jr2), result_signing_bytes(jr));

  ClientEvent e;
  e.kind = EventKind::retry;
  e.code = ErrorCode::worker_lost;
  e.reason = "down";
  e.receipt.worker_paid = 17;
  const auto e2 = round_trip(sys, e);
  EXPECT_EQ(e2.kind, EventKind::retry);
  EXPECT_EQ(e2.code, ErrorCode::worker_lost);
  EXPECT_EQ(e2.receipt.worker_paid, 17);

  LedgerOrder o;
  o.kind = LedgerOrderKind::slash;
  o.verdict_id = "v";
  o.price.tier = Tier::relaxed;
  o.coordinator = std::string(64, 'c');
  const auto o2 = round_trip(sys, o);
  EXPECT_EQ(o2.kind, LedgerOrderKind::slash);
  EXPECT_EQ(o2.price.tier, Tier::relaxed);
  EXPECT_EQ(o2.coordinator, o.coordinator);

  OpenHoldsReply holds;
  holds.ok = true;
  holds.holds = {{7, "r1"}, {9, "r2"}};
  const auto holds2 = round_trip(sys, holds);
  EXPECT_TRUE(holds2.ok);
  ASSERT_EQ(holds2.holds.size(), 2u);
  EXPECT_EQ(holds2.holds[1].hold_id, 9);
  EXPECT_EQ(holds2.holds[1].request_id, "r2");

  StatusReport s;
  NodeStatus n;
  n.capabilities.models = {"m1", "m2"};
  n.reputation = 0.75;
  n.name = "gpu-box-1";
  s.nodes.push_back(n);
  s.models.push_back({"m1", "tiny", "creator:c", 43'200, 16});
  s.limits.max_steps = 60;
  s.limits.max_guidance = 12.5;
  const auto s2 = round_trip(sys, s);
  ASSERT_EQ(s2.models.size(), 1u);
  EXPECT_EQ(s2.models[0].size_multiple, 16u);
  EXPECT_EQ(s2.limits, s.limits);
  ASSERT_EQ(s2.nodes.size(), 1u);
  EXPECT_EQ(s2.nodes[0].capabilities.models, n.capabilities.models);
  EXPECT_DOUBLE_EQ(s2.nodes[0].reputation, 0.75);
  EXPECT_EQ(s2.nodes[0].name, "gpu-box-1");

  Registration reg;
  reg.role = Role::validator;
  reg.name = "audit-box/validator-0";
  reg.capabilities.device = "cpu";
  const auto reg2 = round_trip(sys, reg);
  EXPECT_EQ(reg2.name, reg.name);
  EXPECT_EQ(reg2.role, Role::validator);
  EXPECT_EQ(reg2.capabilities.device, "cpu");
}

// A result with every field set, signed.
JobResult every_field_set() {
  JobResult r;
  r.job_id = "req/3";
  r.attempt = 4;
  r.spec_hash = blake2b(std::string_view("spec"));
  r.model_id = std::string(64, 'd');
  r.width = 8;
  r.height = 8;
  r.pixels.assign(8 * 8 * 3, 7);
  r.output_hash = output_hash_of(r.pixels);
  r.trajectory_root = blake2b(std::string_view("trajectory"));
  r.determinism_class = "cpu-f32";
  r.render_ms = 99;
  r.batch_size = 3;
  r.sampler = "euler_a";
  r.karras = true;
  r.steps = 12;
  r.guidance = 7.5f;
  r.precision = "f16";
  r.leaf_count = 13;
  r.initial_proof.index = 1;
  r.initial_proof.leaf_count = 13;
  r.initial_proof.siblings = {blake2b(std::string_view("a"))};
  r.final_latent_shape = {1, 4, 1, 1};
  r.final_latent = {0.5f, -1.0f, 2.0f, 3.0f};
  r.final_proof = r.initial_proof;
  r.final_proof.index = 12;
  sign_result(r, Identity::from_seed({5}));
  return r;
}

// without_pixels and the commitment record list JobResult's fields by hand: against the wire
// format's list (inspect.hpp), every field set, each must give back the result with its pixels
// cleared, so a field added to the wire but forgotten in either fails here.
TEST_F(CafSerialization, AResultWithoutPixelsKeepsEveryOtherField) {
  const JobResult r = every_field_set();
  const JobResult kept = without_pixels(r);
  EXPECT_TRUE(kept.pixels.empty());
  JobResult cleared = r;
  cleared.pixels.clear();
  EXPECT_EQ(serialized(sys, kept), serialized(sys, cleared));
  EXPECT_NE(serialized(sys, kept), serialized(sys, JobResult{})) << "the fields were set";
}

TEST_F(CafSerialization, ACommitmentRecordKeepsEveryFieldButThePixels) {
  JobResult r = every_field_set();
  r.batch_proof.siblings = {blake2b(std::string_view("b")), blake2b(std::string_view("c"))};
  auto back = parse_commitment_record(commitment_record(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->pixels.empty());
  r.pixels.clear();
  EXPECT_EQ(serialized(sys, *back), serialized(sys, r));
}

// A result event shares its commitment with the coordinator's copy. On the wire it is still a flag
// and then the whole commitment, as it was before it was shared, so nodes of either release read
// each other's events.
TEST_F(CafSerialization, AnEventsSharedCommitmentTravelsAsAFlagAndTheCommitment) {
  JobResult c = every_field_set();
  c.pixels.clear();
  ClientEvent e;
  e.kind = EventKind::result;
  e.request_id = "req";
  e.index = 3;
  e.commitment = std::make_shared<const JobResult>(c);
  const auto back = round_trip(sys, e);
  ASSERT_NE(back.commitment, nullptr);
  EXPECT_EQ(serialized(sys, *back.commitment), serialized(sys, c));
  EXPECT_EQ(back.index, 3u);
  EXPECT_EQ(back.request_id, "req");

  auto shared = e.commitment;
  bool present = true;
  std::vector<char> wrapped, plain;
  caf::binary_serializer wrapped_sink(sys, wrapped);
  caf::binary_serializer plain_sink(sys, plain);
  EXPECT_FALSE(wrapped_sink(wire_commitment(shared)));
  EXPECT_FALSE(plain_sink(present, c));
  EXPECT_EQ(wrapped, plain);

  // Without one (an event after a coordinator restart): the flag, and an empty commitment.
  ClientEvent without = e;
  without.commitment = nullptr;
  EXPECT_EQ(round_trip(sys, without).commitment, nullptr);
  std::shared_ptr<const JobResult> none;
  JobResult empty;
  present = false;
  wrapped.clear();
  plain.clear();
  caf::binary_serializer none_sink(sys, wrapped);
  caf::binary_serializer empty_sink(sys, plain);
  EXPECT_FALSE(none_sink(wire_commitment(none)));
  EXPECT_FALSE(empty_sink(present, empty));
  EXPECT_EQ(wrapped, plain);
}

}  // namespace
}  // namespace seedgrid::protocol
