#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/node_name.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/version.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::protocol {
namespace {

const Identity& worker_key() {
  static const Identity id = Identity::from_seed({1});
  return id;
}
const Identity& other_key() {
  static const Identity id = Identity::from_seed({2});
  return id;
}

// request_digest and spec_hash of sample_request() signed by worker_key(), as txt2img encodes them.
const std::string kTxt2ImgRequestDigest =
    "b1335aad84ec1ac0b97c78aed89c4af933c99e5ca62d81b809d43df2b6ce1386";
const std::string kTxt2ImgSpecHash =
    "7eb8ef37c14f02d263586b120f40f4b3e1bcf467e8c46fc7eaa845cf39562b92";

GenerateRequest sample_request() {
  GenerateRequest r;
  r.request_id = "req-1";
  r.model_id = std::string(64, 'a');
  r.prompt = "a lighthouse";
  r.seed = 41;
  r.steps = 4;
  r.width = 64;
  r.height = 64;
  r.count = 3;
  return r;
}

Job sample_job() {
  const auto r = sample_request();
  Job j;
  j.request_id = r.request_id;
  j.index = 1;
  j.job_id = job_id_of(r.request_id, 1);
  j.attempt = 2;
  j.spec = job_spec_of(r, 1);
  return j;
}

JobResult signed_result(const Job& job, const Identity& by) {
  JobResult r;
  r.job_id = job.job_id;
  r.attempt = job.attempt;
  r.spec_hash = spec_hash(job.spec);
  r.model_id = job.spec.model_id;
  r.width = job.spec.width;
  r.height = job.spec.height;
  r.pixels.assign(static_cast<std::size_t>(r.width) * r.height * 3, 9);
  r.output_hash = output_hash_of(r.pixels);
  r.determinism_class = "cpu-x86_64-f32-test";
  // The trajectory commitment: steps + 1 one-value latents.
  verify::Trajectory t;
  for (std::uint32_t i = 0; i <= job.spec.steps; ++i)
    t.record(i, Tensor::host_f32({1, 1, 1, 1}, {float(i)}));
  r.trajectory_root = t.root();
  r.sampler = job.spec.sampler;
  r.karras = job.spec.karras;
  r.steps = job.spec.steps;
  r.guidance = job.spec.guidance;
  r.precision = "f32";
  r.leaf_count = t.leaf_count();
  r.initial_proof = verify::merkle_proof(t.leaves(), 0);
  r.final_proof = verify::merkle_proof(t.leaves(), job.spec.steps);
  r.final_latent_shape = {1, 1, 1, 1};
  r.final_latent = {float(job.spec.steps)};
  sign_result(r, by);
  return r;
}

TEST(Request, SignatureCoversEveryField) {
  auto r = sample_request();
  sign_request(r, worker_key());
  EXPECT_EQ(r.payer, worker_key().public_key());
  EXPECT_TRUE(request_signature_valid(r));
  auto changed = r;
  changed.count = 4;
  EXPECT_FALSE(request_signature_valid(changed));
  changed = r;
  changed.guidance = 7.0f;
  EXPECT_FALSE(request_signature_valid(changed));
  changed = r;
  changed.payer = other_key().public_key();
  EXPECT_FALSE(request_signature_valid(changed));
}

TEST(Request, DigestIgnoresOnlyTheSignature) {
  auto a = sample_request();
  auto b = sample_request();
  sign_request(a, worker_key());
  b.payer = a.payer;
  EXPECT_EQ(request_digest(a), request_digest(b));
  b.prompt += "!";
  EXPECT_NE(request_digest(a), request_digest(b));
}

TEST(Job, SeedIsRequestSeedPlusIndexWrapping) {
  auto r = sample_request();
  EXPECT_EQ(job_spec_of(r, 2).seed, 43u);
  r.seed = ~std::uint64_t{0};
  EXPECT_EQ(job_spec_of(r, 1).seed, 0u);
  EXPECT_EQ(job_id_of("abc", 7), "abc/7");
}

TEST(Job, SpecHashDependsOnEveryOutputDecidingField) {
  const JobSpec base = job_spec_of(sample_request(), 0);
  std::set<Digest> seen{spec_hash(base)};
  auto vary = [&](auto mutate) {
    JobSpec s = base;
    mutate(s);
    EXPECT_TRUE(seen.insert(spec_hash(s)).second);
  };
  vary([](JobSpec& s) { s.model_id[0] = 'b'; });
  vary([](JobSpec& s) { s.task_type = "instant"; });
  vary([](JobSpec& s) { s.prompt += "x"; });
  vary([](JobSpec& s) { s.negative_prompt = "x"; });
  vary([](JobSpec& s) { s.seed += 1; });
  vary([](JobSpec& s) { s.steps += 1; });
  vary([](JobSpec& s) { s.guidance += 0.5f; });
  vary([](JobSpec& s) { s.sampler = "ddim"; });
  vary([](JobSpec& s) { s.karras = true; });
  vary([](JobSpec& s) { s.width += 8; });
  vary([](JobSpec& s) { s.height += 8; });
}

// A scripted task's parameters are signed, and a request without any signs, and a spec without a
// script hashes, exactly the bytes they did before task scripts (the pinned digests are those of
// the txt2img encoding, so old receipts and journals keep verifying).
TEST(Request, ParametersAreSignedAndARequestWithoutAnySignsWhatItDid) {
  auto r = sample_request();
  sign_request(r, worker_key());
  EXPECT_EQ(to_hex(request_digest(r)), kTxt2ImgRequestDigest);
  EXPECT_EQ(to_hex(spec_hash(job_spec_of(r, 0))), kTxt2ImgSpecHash);
  auto scripted = r;
  scripted.task_type = "hires_fix";
  scripted.params = {{"scale", "2"}};
  sign_request(scripted, worker_key());
  EXPECT_TRUE(request_signature_valid(scripted));
  auto changed = scripted;
  changed.params[0].value = "3";
  EXPECT_FALSE(request_signature_valid(changed));
  changed = scripted;
  changed.params[0].name = "scalf";
  EXPECT_FALSE(request_signature_valid(changed));
  changed = scripted;
  changed.params.push_back({"tiled", ""});
  EXPECT_FALSE(request_signature_valid(changed));
  // Where one parameter ends and the next begins is signed too.
  auto a = scripted, b = scripted;
  a.params = {{"ab", "c"}};
  b.params = {{"a", "bc"}};
  EXPECT_NE(request_digest(a), request_digest(b));
}

TEST(Request, ParametersSortByName) {
  TaskParams p{{"strength", "0.3"}, {"denoise", "0.5"}, {"scale", "2"}};
  sort_task_params(p);
  EXPECT_EQ(p[0].name, "denoise");
  EXPECT_EQ(p[1].name, "scale");
  EXPECT_EQ(p[2].name, "strength");
}

TEST(Job, AScriptedSpecHashesItsScriptParametersAndPasses) {
  JobSpec base = job_spec_of(sample_request(), 0);
  base.task_type = "hires_fix";
  base.task_script = std::string(64, 'd');
  base.params = {{"scale", "2"}};
  base.passes = {{4, 64 * 64}, {2, 128 * 128}};
  std::set<Digest> seen{spec_hash(base), spec_hash(job_spec_of(sample_request(), 0))};
  EXPECT_EQ(seen.size(), 2u);
  auto vary = [&](auto mutate) {
    JobSpec s = base;
    mutate(s);
    EXPECT_TRUE(seen.insert(spec_hash(s)).second);
  };
  vary([](JobSpec& s) { s.task_script[0] = 'e'; });
  vary([](JobSpec& s) { s.params[0].value = "3"; });
  vary([](JobSpec& s) { s.params.clear(); });
  vary([](JobSpec& s) { s.passes[1].steps = 1; });
  vary([](JobSpec& s) { s.passes.pop_back(); });
  EXPECT_EQ(job_work(base), 4u * 64 * 64 + 2u * 128 * 128) << "work is summed over the passes";
  EXPECT_FALSE(batch_compatible(base, base)) << "a scripted job renders alone";
}

TEST(Job, BatchCompatibilityIgnoresPromptSeedAndGuidance) {
  JobSpec a = job_spec_of(sample_request(), 0);
  JobSpec b = job_spec_of(sample_request(), 1);
  b.prompt = "other";
  b.guidance = 3.0f;
  EXPECT_TRUE(batch_compatible(a, b));
  b.steps = 5;
  EXPECT_FALSE(batch_compatible(a, b));
  EXPECT_EQ(job_work(a), 64u * 64u * 4u);
}

TEST(JobResult, ValidResultIsAccepted) {
  const Job job = sample_job();
  const JobResult r = signed_result(job, worker_key());
  EXPECT_TRUE(check_result(r, worker_key().public_key(), job).ok());
}

TEST(JobResult, ForgeriesAndMismatchesAreRefused) {
  const Job job = sample_job();
  const PublicKey registered = worker_key().public_key();

  // Signed by someone else, claiming to be the registered worker.
  JobResult forged = signed_result(job, other_key());
  forged.worker = registered;
  EXPECT_EQ(check_result(forged, registered, job).code, ErrorCode::bad_signature);

  // Signed by someone else under their own name.
  EXPECT_EQ(check_result(signed_result(job, other_key()), registered, job).code,
            ErrorCode::bad_signature);

  // A tampered field after signing.
  JobResult tampered = signed_result(job, worker_key());
  tampered.render_ms += 1;
  EXPECT_EQ(check_result(tampered, registered, job).code, ErrorCode::bad_signature);

  // Pixels that are not the signed hash.
  JobResult swapped = signed_result(job, worker_key());
  swapped.pixels[0] ^= 1;
  EXPECT_EQ(check_result(swapped, registered, job).code, ErrorCode::mismatch);

  // A result for another attempt of the job.
  Job other_attempt = job;
  other_attempt.attempt = 3;
  EXPECT_EQ(check_result(signed_result(job, worker_key()), registered, other_attempt).code,
            ErrorCode::mismatch);

  // Rendered from a different spec.
  Job other_spec = job;
  other_spec.spec.seed += 1;
  EXPECT_EQ(check_result(signed_result(job, worker_key()), registered, other_spec).code,
            ErrorCode::mismatch);
}

TEST(JobResult, IntegrityIsTheSignatureAndPixelHashAloneAndCanBeCheckedFirst) {
  const Job job = sample_job();
  const PublicKey registered = worker_key().public_key();
  const JobResult good = signed_result(job, worker_key());
  EXPECT_TRUE(check_result_integrity(good, registered).ok());

  JobResult forged = signed_result(job, other_key());
  forged.worker = registered;
  EXPECT_EQ(check_result_integrity(forged, registered).code, ErrorCode::bad_signature);
  JobResult swapped = good;
  swapped.pixels[0] ^= 1;
  EXPECT_EQ(check_result_integrity(swapped, registered).code, ErrorCode::mismatch);

  // Integrity needs no job: a result for another attempt is whole, and check_result still refuses
  // it when told its integrity was checked already.
  Job other_attempt = job;
  other_attempt.attempt = 3;
  EXPECT_EQ(check_result(good, registered, other_attempt, ResultIntegrity::checked).code,
            ErrorCode::mismatch);
  // `checked` skips exactly the integrity checks: the caller vouches for them.
  EXPECT_TRUE(check_result(forged, registered, job, ResultIntegrity::checked).ok());
  EXPECT_EQ(check_result(forged, registered, job).code, ErrorCode::bad_signature);
}

Job job_at(std::uint32_t index) {
  const auto r = sample_request();
  Job j = sample_job();
  j.index = index;
  j.job_id = job_id_of(r.request_id, index);
  j.spec = job_spec_of(r, index);
  return j;
}

std::vector<JobResult> signed_batch(const Identity& by) {
  std::vector<JobResult> batch;
  for (std::uint32_t i = 0; i < 3; ++i) batch.push_back(signed_result(job_at(i), by));
  sign_results(batch, by);
  return batch;
}

TEST(JobResult, ABatchSharesOneSignatureAndEachResultStandsAlone) {
  const auto batch = signed_batch(worker_key());
  for (std::uint32_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].signature, batch[0].signature);
    EXPECT_EQ(batch[i].batch_proof.index, i);
    EXPECT_EQ(batch[i].batch_proof.leaf_count, 3u);
    EXPECT_TRUE(result_signature_holds(batch[i]));
    // What a client, a receipt or an audit sees is one result, without the rest of its batch.
    EXPECT_TRUE(check_result(batch[i], worker_key().public_key(), job_at(i)).ok());
  }
}

TEST(JobResult, EachResultOfABatchIsJudgedOnItsOwn) {
  const PublicKey registered = worker_key().public_key();
  auto batch = signed_batch(worker_key());
  auto replies = check_results_integrity(batch, registered);
  ASSERT_EQ(replies.size(), 3u);
  for (const auto& r : replies) EXPECT_TRUE(r.ok()) << r.reason;

  // A field changed after signing, a signature byte flipped, a proof opening another position:
  // each refuses its own result and leaves the others standing.
  for (int how = 0; how < 3; ++how) {
    auto bad = signed_batch(worker_key());
    if (how == 0) bad[1].render_ms += 1;
    if (how == 1) bad[1].signature[5] ^= 1;
    if (how == 2) bad[1].batch_proof.index = 2;
    replies = check_results_integrity(bad, registered);
    EXPECT_TRUE(replies[0].ok()) << how;
    EXPECT_EQ(replies[1].code, ErrorCode::bad_signature) << how;
    EXPECT_TRUE(replies[2].ok()) << how;
  }

  // A result carried into another batch's signature, or stripped of its proof, is refused.
  auto spliced = signed_result(job_at(5), worker_key());
  spliced.signature = batch[1].signature;
  spliced.batch_proof = batch[0].batch_proof;
  EXPECT_FALSE(result_signature_holds(spliced));
  auto stripped = batch[0];
  stripped.batch_proof = {};
  EXPECT_EQ(check_result_integrity(stripped, registered).code, ErrorCode::bad_signature);

  // A proof that opens no leaf says which.
  auto malformed = batch[2];
  malformed.batch_proof.siblings.push_back(malformed.batch_proof.siblings.front());
  const Reply refused = check_result_integrity(malformed, registered);
  EXPECT_EQ(refused.code, ErrorCode::bad_signature);
  EXPECT_NE(refused.reason.find("opens no leaf 2 of 3"), std::string::npos) << refused.reason;
}

TEST(JobResult, AResultSignedAloneInTheOlderFormStillVerifies) {
  JobResult older = signed_result(sample_job(), worker_key());
  older.batch_proof = {};
  older.signature = worker_key().sign(result_signing_bytes(older));
  EXPECT_TRUE(result_signature_holds(older));
  EXPECT_TRUE(check_result(older, worker_key().public_key(), sample_job()).ok());
  older.render_ms += 1;
  EXPECT_FALSE(result_signature_holds(older));
}

TEST(JobResult, MerkleRootBindsOrderAndCount) {
  const Digest a = blake2b(std::string_view("a")), b = blake2b(std::string_view("b")),
               c = blake2b(std::string_view("c"));
  EXPECT_EQ(merkle_root({a}), a);
  EXPECT_NE(merkle_root({a, b}), merkle_root({b, a}));
  EXPECT_NE(merkle_root({a, b}), merkle_root({a, b, c}));
  EXPECT_EQ(merkle_root({a, b, c}), merkle_root({a, b, c}));
  EXPECT_EQ(merkle_root({}), blake2b(std::string_view{}));
}

TEST(Registration, ChallengeResponseVerifies) {
  const Identity coordinator = Identity::from_seed({9});
  const Challenge c = make_challenge(coordinator);
  EXPECT_TRUE(challenge_signature_valid(c));
  Capabilities caps;
  caps.models = {std::string(64, 'a')};
  caps.pixel_steps_per_second = 12345;
  const Registration r = make_registration(Role::worker, "gpu-box-1", caps, c, worker_key());
  EXPECT_TRUE(registration_signature_valid(r, coordinator.public_key()));

  // Replayed towards another coordinator, or with inflated capabilities: refused.
  EXPECT_FALSE(registration_signature_valid(r, other_key().public_key()));
  Registration inflated = r;
  inflated.capabilities.pixel_steps_per_second *= 10;
  EXPECT_FALSE(registration_signature_valid(inflated, coordinator.public_key()));
  Registration promoted = r;
  promoted.role = Role::validator;
  EXPECT_FALSE(registration_signature_valid(promoted, coordinator.public_key()));
}

// The name a node registers under is signed with the rest: whoever relays or replays the
// registration cannot pass one node off as another in the coordinator's status and logs.
TEST(Registration, TheConfiguredNameIsSigned) {
  const Identity coordinator = Identity::from_seed({9});
  const Challenge c = make_challenge(coordinator);
  const Registration r = make_registration(Role::validator, "audit-box/validator-0", {}, c,
                                           worker_key());
  EXPECT_EQ(r.name, "audit-box/validator-0");
  ASSERT_TRUE(registration_signature_valid(r, coordinator.public_key()));
  for (const std::string other : {"audit-box/validator-1", "", "Audit-box/validator-0"}) {
    Registration renamed = r;
    renamed.name = other;
    EXPECT_FALSE(registration_signature_valid(renamed, coordinator.public_key())) << other;
  }
  EXPECT_NE(registration_signing_bytes(r, coordinator.public_key()),
            registration_signing_bytes(make_registration(Role::validator, "b", {}, c, worker_key()),
                                       coordinator.public_key()));
}

TEST(NodeName, LettersDigitsAndAFewMarksUpTo64Characters) {
  for (const std::string& ok : {std::string("w"), std::string("gpu-box_1.example@lab+2/worker-0"),
                               std::string(64, 'n')})
    EXPECT_TRUE(check_node_name(ok)) << ok;
  const auto refused = [](std::string_view name) {
    auto r = check_node_name(name);
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(refused("").find("node name is empty"), std::string::npos);
  EXPECT_NE(refused(std::string(65, 'n')).find("65 characters long; at most 64"), std::string::npos);
  EXPECT_NE(refused("gpu box").find("node name 'gpu box' has ' ' at position 3"), std::string::npos)
      << refused("gpu box");
  // Control characters are quoted escaped, so the refusal itself is one clean log line.
  EXPECT_NE(refused("a\nfake log line").find("'a\\x0afake log line' has '\\x0a' at position 1"),
            std::string::npos)
      << refused("a\nfake log line");
}

// Both sides of a registration say their protocol; the check names the peer and both numbers.
TEST(Registration, ChallengeAndRegistrationSayTheirProtocol) {
  const Identity coordinator = Identity::generate();
  const Challenge c = make_challenge(coordinator);
  EXPECT_EQ(c.protocol, kProtocol);
  EXPECT_EQ(make_registration(Role::validator, "v", {}, c, Identity::generate()).protocol,
            kProtocol);
  EXPECT_TRUE(check_protocol("the coordinator", kProtocol).ok());
  const Reply other = check_protocol("the coordinator", kProtocol + 7);
  EXPECT_EQ(other.code, ErrorCode::protocol_mismatch);
  EXPECT_NE(other.reason.find("the coordinator speaks seedgrid protocol " +
                              std::to_string(kProtocol + 7) + ", this node protocol " +
                              std::to_string(kProtocol) + " (" + release() + ")"),
            std::string::npos)
      << other.reason;
  EXPECT_EQ(static_cast<int>(ErrorCode::protocol_mismatch), 208);
}

TEST(Registration, ChallengesAreFresh) {
  const Identity coordinator = Identity::from_seed({9});
  EXPECT_NE(make_challenge(coordinator).nonce, make_challenge(coordinator).nonce);
  Challenge forged = make_challenge(coordinator);
  forged.coordinator = other_key().public_key();
  EXPECT_FALSE(challenge_signature_valid(forged));
}

TEST(Verdict, SignatureBindsOutcome) {
  Verdict v;
  v.audit_id = audit_id_of("r/1", 1);
  v.job_id = "r/1";
  v.attempt = 1;
  v.worker = worker_key().public_key();
  v.outcome = AuditOutcome::pass;
  sign_verdict(v, other_key());
  EXPECT_TRUE(verdict_signature_valid(v));
  v.outcome = AuditOutcome::fail;
  EXPECT_FALSE(verdict_signature_valid(v));
  EXPECT_EQ(v.audit_id, "r/1#1");
}

TEST(ErrorCodes, NamesAreUniqueAndNumbersStable) {
  std::set<std::string_view> names;
  for (ErrorCode c : all_error_codes()) {
    EXPECT_TRUE(names.insert(error_code_name(c)).second) << error_code_name(c);
    EXPECT_EQ(error_code_from_number(static_cast<std::uint32_t>(c)), c);
  }
  // Numbers are part of the protocol: these must never change.
  EXPECT_EQ(static_cast<int>(ErrorCode::unknown_model), 101);
  EXPECT_EQ(static_cast<int>(ErrorCode::invalid_count), 102);
  EXPECT_EQ(static_cast<int>(ErrorCode::not_registered), 200);
  EXPECT_EQ(static_cast<int>(ErrorCode::bad_signature), 201);
  EXPECT_EQ(static_cast<int>(ErrorCode::attempts_exhausted), 303);
  EXPECT_EQ(error_code_name(static_cast<ErrorCode>(999)), "unassigned");
  EXPECT_FALSE(error_code_from_number(999));
}

TEST(ClientEvent, DescriptionNeverShowsThePrompt) {
  ClientEvent e;
  e.kind = EventKind::progress;
  e.request_id = "r";
  e.index = 3;
  e.step = 2;
  e.steps = 4;
  e.reason = "";
  EXPECT_EQ(describe(e), "r/3 progress step 2/4");
}

}  // namespace
}  // namespace seedgrid::protocol
