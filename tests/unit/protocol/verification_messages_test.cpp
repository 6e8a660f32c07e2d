// The verification messages: the v2 result commitment, verdicts with evidence, openings and
// appeals are signed over every field and survive CAF serialization intact.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::protocol {
namespace {

template <class T>
T round_trip(caf::actor_system& sys, const T& in) {
  std::vector<char> buf;
  caf::binary_serializer sink(sys, buf);
  T copy = in;
  EXPECT_FALSE(sink(copy));
  T out;
  caf::binary_deserializer source(sys, buf);
  EXPECT_FALSE(source(out));
  return out;
}

verify::Trajectory trajectory(std::uint32_t leaves) {
  verify::Trajectory t;
  for (std::uint32_t i = 0; i < leaves; ++i)
    t.record(i, Tensor::host_f32({1, 1, 1, 2}, {float(i), -float(i)}));
  return t;
}

JobResult committed(const Job& job, const Identity& worker) {
  JobResult r;
  r.job_id = job.job_id;
  r.attempt = job.attempt;
  r.spec_hash = spec_hash(job.spec);
  r.model_id = job.spec.model_id;
  r.width = job.spec.width;
  r.height = job.spec.height;
  r.pixels.assign(std::size_t(job.spec.width) * job.spec.height * 3, 7);
  r.output_hash = output_hash_of(r.pixels);
  const auto t = trajectory(job.spec.steps + 1);
  r.trajectory_root = t.root();
  r.sampler = job.spec.sampler;
  r.steps = job.spec.steps;
  r.guidance = job.spec.guidance;
  r.precision = "f32";
  r.leaf_count = t.leaf_count();
  r.initial_proof = verify::merkle_proof(t.leaves(), 0);
  r.final_proof = verify::merkle_proof(t.leaves(), job.spec.steps);
  r.final_latent_shape = {1, 1, 1, 2};
  r.final_latent = {float(job.spec.steps), -float(job.spec.steps)};
  sign_result(r, worker);
  return r;
}

Job a_job() {
  Job j;
  j.job_id = "r/0";
  j.attempt = 1;
  j.spec.model_id = std::string(64, 'a');
  j.spec.steps = 6;
  j.spec.guidance = 4.0f;
  j.spec.sampler = "euler";
  j.spec.width = 8;
  j.spec.height = 8;
  return j;
}

TEST(VerificationMessages, CommitmentShapeIsCheckedAndEveryFieldSigned) {
  const Identity w = Identity::from_seed({5});
  const Job j = a_job();
  auto r = committed(j, w);
  EXPECT_TRUE(check_result(r, w.public_key(), j).ok()) << check_result(r, w.public_key(), j).reason;
  auto bytes = result_signing_bytes(r);
  const std::string_view tag = "seedgrid/job-result/v2";
  ASSERT_GE(bytes.size(), tag.size());
  // Each commitment field changes what is signed.
  for (int field = 0; field < 6; ++field) {
    auto x = r;
    switch (field) {
      case 0: x.sampler = "ddim"; break;
      case 1: x.leaf_count += 1; break;
      case 2: x.initial_proof.siblings[0][0] ^= 1; break;
      case 3: x.final_latent[1] = 0.5f; break;
      case 4: x.final_proof.index = 0; break;
      case 5: x.precision = "f16"; break;
    }
    EXPECT_NE(result_signing_bytes(x), bytes) << "field " << field;
  }
  // Shape errors, each re-signed so only the shape check can refuse them.
  auto refuse_with = [&](JobResult x, std::string_view what) {
    sign_result(x, w);
    auto reply = check_result(x, w.public_key(), j);
    EXPECT_EQ(reply.code, ErrorCode::mismatch) << what;
    EXPECT_NE(reply.reason.find("commitment"), std::string::npos) << reply.reason;
  };
  auto x = r;
  x.steps = 5;
  refuse_with(x, "restated steps");
  x = r;
  x.initial_proof = x.final_proof;
  refuse_with(x, "proof of x_0 opens another leaf");
  x = r;
  x.final_proof.siblings.pop_back();
  refuse_with(x, "proof too short");
  x = r;
  x.final_latent.pop_back();
  refuse_with(x, "final latent does not fill its shape");
}

TEST(VerificationMessages, VerdictOpeningAndAppealSignaturesCoverTheirEvidence) {
  const Identity v = Identity::from_seed({6}), w = Identity::from_seed({7});
  Verdict verdict;
  verdict.audit_id = "r/0#1";
  verdict.outcome = AuditOutcome::fail;
  AuditEvidence e;
  e.kind = AuditKind::step;
  e.outcome = FindingOutcome::fail;
  e.step = 3;
  e.expected[0] = 1;
  e.error = 0.25;
  verdict.evidence.push_back(e);
  sign_verdict(verdict, v);
  EXPECT_TRUE(verdict_signature_valid(verdict));
  auto changed = verdict;
  changed.evidence[0].step = 4;
  EXPECT_FALSE(verdict_signature_valid(changed));
  changed = verdict;
  changed.purpose = AuditPurpose::appeal;
  EXPECT_FALSE(verdict_signature_valid(changed));

  const auto t = trajectory(4);
  Opening o;
  o.audit_id = "r/0#1";
  o.job_id = "r/0";
  o.attempt = 1;
  o.openings.push_back(wire_opening(*t.open(2)));
  sign_opening(o, w);
  EXPECT_TRUE(opening_signature_valid(o));
  auto back = latent_opening(o.openings[0]);
  ASSERT_TRUE(back);
  EXPECT_TRUE(verify::check_opening(t.root(), 4, *back));
  auto forged = o;
  forged.openings[0].latent[0] = 9.0f;
  EXPECT_FALSE(opening_signature_valid(forged));
  forged.openings[0].shape = {1, 1, 1, 3};
  EXPECT_FALSE(latent_opening(forged.openings[0]));

  Appeal a;
  a.audit_id = "r/0#1";
  a.reason = "honest";
  sign_appeal(a, w);
  EXPECT_TRUE(appeal_signature_valid(a));
  a.audit_id = "r/1#1";
  EXPECT_FALSE(appeal_signature_valid(a));
}

TEST(VerificationMessages, RoundTripThroughCaf) {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  caf::actor_system sys(cfg);
  const Identity w = Identity::from_seed({8});
  const Job j = a_job();
  const auto r = committed(j, w);
  const auto r2 = round_trip(sys, r);
  EXPECT_EQ(result_signing_bytes(r2), result_signing_bytes(r));
  EXPECT_TRUE(check_result(r2, w.public_key(), j).ok());

  AuditTask task;
  task.audit_id = "r/0#1";
  task.job = j;
  task.has_commitment = true;
  task.commitment = r;
  task.audits = {{AuditKind::noise, 0}, {AuditKind::step, 3}, {AuditKind::decode, 6}};
  task.purpose = AuditPurpose::referee;
  const auto task2 = round_trip(sys, task);
  EXPECT_EQ(task2.audits, task.audits);
  EXPECT_EQ(task2.purpose, AuditPurpose::referee);
  EXPECT_EQ(result_signing_bytes(task2.commitment), result_signing_bytes(r));

  Verdict v;
  v.audit_id = "r/0#1";
  v.outcome = AuditOutcome::grey;
  v.evidence.push_back({AuditKind::step, FindingOutcome::grey, 3, {}, {}, 0.12, 31.5, 0.97, "grey"});
  sign_verdict(v, Identity::from_seed({9}));
  const auto v2 = round_trip(sys, v);
  EXPECT_TRUE(verdict_signature_valid(v2));
  EXPECT_EQ(v2.outcome, AuditOutcome::grey);

  Opening o;
  o.audit_id = "r/0#1";
  o.openings.push_back(wire_opening(*trajectory(3).open(1)));
  sign_opening(o, w);
  EXPECT_TRUE(opening_signature_valid(round_trip(sys, o)));
  OpeningRequest q{"r/0#1", "r/0", 1, {2, 3}};
  EXPECT_EQ(round_trip(sys, q).steps, q.steps);
  Appeal a;
  a.audit_id = "r/0#1";
  sign_appeal(a, w);
  EXPECT_TRUE(appeal_signature_valid(round_trip(sys, a)));
}

}  // namespace
}  // namespace seedgrid::protocol
