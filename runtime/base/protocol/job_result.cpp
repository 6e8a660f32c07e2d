#include "runtime/base/protocol/job_result.hpp"

#include <algorithm>

#include "runtime/base/protocol/canonical.hpp"

namespace seedgrid::protocol {

Digest output_hash_of(const std::vector<std::uint8_t>& pixels) { return blake2b(pixels); }

// The same tree as the trajectory commitment's (one definition, so the bytes cannot drift).
Digest merkle_root(const std::vector<Digest>& leaves) { return verify::merkle_root(leaves); }

namespace {

void write_proof(CanonicalWriter& w, const verify::MerkleProof& p) {
  w.u32(p.index).u32(p.leaf_count).u64(p.siblings.size());
  for (const auto& s : p.siblings) w.fixed(s);
}

// A proof of leaf `index` in a tree of `leaf_count` leaves has one sibling per level where the
// node was not carried up; its length is fixed by (index, leaf_count).
std::size_t siblings_expected(std::uint32_t index, std::uint32_t leaf_count) {
  std::size_t n = 0;
  for (std::uint64_t i = index, count = leaf_count; count > 1; i /= 2, count = (count + 1) / 2)
    if (!(i == count - 1 && count % 2 == 1)) ++n;
  return n;
}

bool proof_shaped(const verify::MerkleProof& p, std::uint32_t index, std::uint32_t leaf_count) {
  return p.index == index && p.leaf_count == leaf_count &&
         p.siblings.size() == siblings_expected(index, leaf_count);
}

}  // namespace

// v2: the whole trajectory commitment (render settings, leaf count, the proofs of x_0 and x_N and
// x_N itself) is signed, so a worker is held to every opening it ships.
JobResult without_pixels(const JobResult& r) {
  JobResult c;
  c.job_id = r.job_id;
  c.attempt = r.attempt;
  c.worker = r.worker;
  c.spec_hash = r.spec_hash;
  c.model_id = r.model_id;
  c.width = r.width;
  c.height = r.height;
  c.output_hash = r.output_hash;
  c.trajectory_root = r.trajectory_root;
  c.determinism_class = r.determinism_class;
  c.render_ms = r.render_ms;
  c.batch_size = r.batch_size;
  c.sampler = r.sampler;
  c.karras = r.karras;
  c.steps = r.steps;
  c.guidance = r.guidance;
  c.precision = r.precision;
  c.leaf_count = r.leaf_count;
  c.initial_proof = r.initial_proof;
  c.final_latent_shape = r.final_latent_shape;
  c.final_latent = r.final_latent;
  c.final_proof = r.final_proof;
  c.batch_proof = r.batch_proof;
  c.signature = r.signature;
  return c;
}

namespace {

// The fields a worker signs, in the order of "seedgrid/job-result/v2", which the commitment record
// repeats: a change here is a new version of both, and read_signed_fields keeps reading this one.
void write_signed_fields(CanonicalWriter& w, const JobResult& r) {
  w.str(r.job_id)
      .u32(r.attempt)
      .fixed(r.worker.bytes)
      .fixed(r.spec_hash)
      .str(r.model_id)
      .u32(r.width)
      .u32(r.height)
      .fixed(r.output_hash)
      .fixed(r.trajectory_root)
      .str(r.determinism_class)
      .u64(r.render_ms)
      .u32(r.batch_size)
      .str(r.sampler)
      .boolean(r.karras)
      .u32(r.steps)
      .f32(r.guidance)
      .str(r.precision)
      .u32(r.leaf_count);
  write_proof(w, r.initial_proof);
  w.u64(r.final_latent_shape.size());
  for (auto d : r.final_latent_shape) w.i64(d);
  w.u64(r.final_latent.size());
  for (float v : r.final_latent) w.f32(v);
  write_proof(w, r.final_proof);
}

verify::MerkleProof read_proof(CanonicalReader& in, std::string_view field) {
  verify::MerkleProof p;
  p.index = in.u32(field);
  p.leaf_count = in.u32(field);
  p.siblings.resize(in.count(field, Digest{}.size()));
  for (auto& s : p.siblings) s = in.fixed<Digest{}.size()>(field);
  return p;
}

void read_signed_fields(CanonicalReader& in, JobResult& r) {
  r.job_id = in.str("job_id");
  r.attempt = in.u32("attempt");
  r.worker.bytes = in.fixed<32>("worker");
  r.spec_hash = in.fixed<Digest{}.size()>("spec_hash");
  r.model_id = in.str("model_id");
  r.width = in.u32("width");
  r.height = in.u32("height");
  r.output_hash = in.fixed<Digest{}.size()>("output_hash");
  r.trajectory_root = in.fixed<Digest{}.size()>("trajectory_root");
  r.determinism_class = in.str("determinism_class");
  r.render_ms = in.u64("render_ms");
  r.batch_size = in.u32("batch_size");
  r.sampler = in.str("sampler");
  r.karras = in.boolean("karras");
  r.steps = in.u32("steps");
  r.guidance = in.f32("guidance");
  r.precision = in.str("precision");
  r.leaf_count = in.u32("leaf_count");
  r.initial_proof = read_proof(in, "initial_proof");
  r.final_latent_shape.resize(in.count("final_latent_shape", 8));
  for (auto& d : r.final_latent_shape) d = in.i64("final_latent_shape");
  r.final_latent.resize(in.count("final_latent", 4));
  for (auto& v : r.final_latent) v = in.f32("final_latent");
  r.final_proof = read_proof(in, "final_proof");
}

}  // namespace

std::vector<std::uint8_t> result_signing_bytes(const JobResult& r) {
  CanonicalWriter w("seedgrid/job-result/v2");
  write_signed_fields(w, r);
  return w.encoded();
}

std::vector<std::uint8_t> commitment_record(const JobResult& r) {
  CanonicalWriter w(kCommitmentRecordFormat);
  write_signed_fields(w, r);
  write_proof(w, r.batch_proof);
  w.fixed(r.signature);
  return w.encoded();
}

Result<JobResult> parse_commitment_record(std::span<const std::uint8_t> bytes) {
  CanonicalReader in(bytes);
  const std::string format = in.str("format");
  if (in.error()) return context(*in.error(), "commitment record");
  if (format != kCommitmentRecordFormat)
    return fail("commitment record: format '", format.substr(0, 64), "' is not ",
                kCommitmentRecordFormat);
  JobResult r;
  read_signed_fields(in, r);
  r.batch_proof = read_proof(in, "batch_proof");
  r.signature = in.fixed<Signature{}.size()>("signature");
  if (auto f = in.finish(); !f) return context(f.error(), "commitment record");
  return r;
}

Digest result_leaf(const JobResult& r) { return blake2b(result_signing_bytes(r)); }

namespace {

std::vector<std::uint8_t> batch_signing_bytes(const Digest& root) {
  CanonicalWriter w("seedgrid/result-batch/v1");
  w.fixed(root);
  return w.encoded();
}

bool older_form(const verify::MerkleProof& p) {
  return p.leaf_count == 0 && p.index == 0 && p.siblings.empty();
}

// What r's signature signs, or nothing when its batch proof leads to no root.
std::optional<std::vector<std::uint8_t>> signed_message(const JobResult& r) {
  if (older_form(r.batch_proof)) return result_signing_bytes(r);
  const auto root = verify::merkle_root_from(result_leaf(r), r.batch_proof);
  if (!root) return std::nullopt;
  return batch_signing_bytes(*root);
}

}  // namespace

void sign_results(std::span<JobResult> batch, const Identity& worker) {
  if (batch.empty()) return;
  std::vector<Digest> leaves;
  leaves.reserve(batch.size());
  for (auto& r : batch) {
    r.worker = worker.public_key();
    leaves.push_back(result_leaf(r));
  }
  auto proofs = verify::merkle_proofs(leaves);
  const Signature signature = worker.sign(batch_signing_bytes(verify::merkle_root(leaves)));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].batch_proof = std::move(proofs[i]);
    batch[i].signature = signature;
  }
}

void sign_result(JobResult& r, const Identity& worker) { sign_results({&r, 1}, worker); }

bool result_signature_holds(const JobResult& r) {
  const auto message = signed_message(r);
  return message && verify_signature(r.worker, *message, r.signature);
}

Reply check_commitment_shape(const JobResult& r, const JobSpec& spec) {
  auto bad = [&](const std::string& what) {
    return refuse(ErrorCode::mismatch, "result for " + r.job_id + " has a malformed commitment: " + what);
  };
  if (r.sampler != spec.sampler || r.karras != spec.karras || r.steps != spec.steps ||
      r.guidance != spec.guidance)
    return bad("its restated render settings differ from the job's");
  if (spec.scripted()) {
    // One tree over every pass's x_0 .. x_N (job_trajectory.hpp); the audit re-runs the script.
    std::uint64_t leaves = 0;
    for (const auto& p : spec.passes) leaves += std::uint64_t{p.steps} + 1;
    if (r.leaf_count != leaves)
      return bad("leaf_count " + std::to_string(r.leaf_count) + ", expected " +
                 std::to_string(leaves) + " (each pass's steps + 1)");
    return {};
  }
  // The instant benchmark task renders no latents: its trajectory is one leaf (the spec hash).
  const std::uint32_t leaves = spec.task_type == kTaskInstant ? 1 : spec.steps + 1;
  if (r.leaf_count != leaves)
    return bad("leaf_count " + std::to_string(r.leaf_count) + ", expected " +
               std::to_string(leaves) + " (steps + 1)");
  if (spec.task_type == kTaskInstant) return {};
  if (!proof_shaped(r.initial_proof, 0, r.leaf_count))
    return bad("the proof of x_0 does not open leaf 0 of " + std::to_string(r.leaf_count));
  if (!proof_shaped(r.final_proof, r.leaf_count - 1, r.leaf_count))
    return bad("the proof of x_N does not open leaf " + std::to_string(r.leaf_count - 1));
  std::int64_t numel = 1;
  for (auto d : r.final_latent_shape) numel = d > 0 ? numel * d : -1;
  if (r.final_latent_shape.size() != 4 || r.final_latent_shape[0] != 1 || numel <= 0 ||
      static_cast<std::size_t>(numel) != r.final_latent.size())
    return bad("the final latent has " + std::to_string(r.final_latent.size()) +
               " values for a shape of rank " + std::to_string(r.final_latent_shape.size()));
  return {};
}

namespace {

// A signed message and its signature that verified already, so a batch's other results skip it.
struct Verified {
  std::vector<std::uint8_t> message;
  Signature signature;
};

Reply check_integrity(const JobResult& r, const PublicKey& registered_key,
                      std::vector<Verified>& verified) {
  if (r.worker != registered_key)
    return refuse(ErrorCode::bad_signature,
                  "result for " + r.job_id + " claims worker " + r.worker.hex() +
                      " but was sent by registered worker " + registered_key.hex());
  const auto message = signed_message(r);
  if (!message)
    return refuse(ErrorCode::bad_signature,
                  "result for " + r.job_id + " has a batch proof that opens no leaf " +
                      std::to_string(r.batch_proof.index) + " of " +
                      std::to_string(r.batch_proof.leaf_count) + " (" +
                      std::to_string(r.batch_proof.siblings.size()) + " siblings)");
  const bool known = std::any_of(verified.begin(), verified.end(), [&](const Verified& v) {
    return v.signature == r.signature && v.message == *message;
  });
  if (!known) {
    if (!verify_signature(registered_key, *message, r.signature))
      return refuse(ErrorCode::bad_signature,
                    "result for " + r.job_id + " has a signature that does not verify for worker " +
                        registered_key.hex());
    verified.push_back({*message, r.signature});
  }
  if (r.output_hash != output_hash_of(r.pixels))
    return refuse(ErrorCode::mismatch, "result for " + r.job_id +
                                           " carries an output hash that is not the pixels' hash");
  return {};
}

}  // namespace

Reply check_result_integrity(const JobResult& r, const PublicKey& registered_key) {
  std::vector<Verified> verified;
  return check_integrity(r, registered_key, verified);
}

std::vector<Reply> check_results_integrity(std::span<const JobResult> results,
                                           const PublicKey& registered_key) {
  std::vector<Verified> verified;
  std::vector<Reply> replies;
  replies.reserve(results.size());
  for (const auto& r : results) replies.push_back(check_integrity(r, registered_key, verified));
  return replies;
}

Reply check_result(const JobResult& r, const PublicKey& registered_key, const Job& assigned,
                   ResultIntegrity integrity) {
  if (integrity == ResultIntegrity::unchecked)
    if (auto i = check_result_integrity(r, registered_key); !i.ok()) return i;
  if (r.job_id != assigned.job_id || r.attempt != assigned.attempt)
    return refuse(ErrorCode::mismatch, "result for " + r.job_id + " attempt " +
                                           std::to_string(r.attempt) + " does not match job " +
                                           assigned.job_id + " attempt " +
                                           std::to_string(assigned.attempt));
  if (r.spec_hash != spec_hash(assigned.spec) || r.model_id != assigned.spec.model_id)
    return refuse(ErrorCode::mismatch,
                  "result for " + r.job_id + " was rendered from a different job spec or model");
  if (r.width != assigned.spec.width || r.height != assigned.spec.height ||
      r.pixels.size() != static_cast<std::size_t>(r.width) * r.height * 3)
    return refuse(ErrorCode::mismatch, "result for " + r.job_id + " has " +
                                           std::to_string(r.pixels.size()) + " bytes, expected " +
                                           std::to_string(assigned.spec.width) + "x" +
                                           std::to_string(assigned.spec.height) + " RGB8");
  if (auto c = check_commitment_shape(r, assigned.spec); !c.ok()) return c;
  return {};
}

}  // namespace seedgrid::protocol
