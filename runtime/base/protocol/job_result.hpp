#pragma once
// What a worker sends back about a job: it started, its progress, its failure, or its result.
// A result's canonical encoding binds the job (id, attempt, spec hash, model), the output
// (BLAKE2b of the pixels, size, Merkle root of the per-step latent hashes) and how it was made
// (determinism class, timings); the worker signs it, with the rest of its batch, so the
// coordinator can hold the worker to it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"

namespace seedgrid::protocol {

struct JobStarted {
  std::string job_id;
  std::uint32_t attempt = 0;
  std::uint32_t batch_size = 1;  // jobs rendered together with it (deadlines scale with it)
};

struct JobProgress {
  std::string job_id;
  std::uint32_t attempt = 0;
  std::uint32_t step = 0;  // steps completed, 1..steps
  std::uint32_t steps = 0;
};

// A job the worker did not finish: an error, or a cancellation after `steps_done` steps.
struct JobFailure {
  std::string job_id;
  std::uint32_t attempt = 0;
  ErrorCode code = ErrorCode::worker_error;
  std::string reason;
  std::uint32_t steps_done = 0;
};

struct JobResult {
  std::string job_id;
  std::uint32_t attempt = 0;
  PublicKey worker;
  Digest spec_hash{};
  std::string model_id;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> pixels;  // RGB8, row-major, width*height*3 bytes
  Digest output_hash{};              // BLAKE2b of pixels
  Digest trajectory_root{};          // Merkle root of the BLAKE2b of each step's latent
  std::string determinism_class;
  std::uint64_t render_ms = 0;
  std::uint32_t batch_size = 1;
  // The rest of the trajectory commitment (runtime/base/verify/commitment/trajectory.hpp), signed
  // with the above: the render settings restated, so a commitment can be read without the spec.
  std::string sampler;
  bool karras = false;
  std::uint32_t steps = 0;
  float guidance = 0.0f;
  std::string precision;         // "f32", "f16", ...
  std::uint32_t leaf_count = 0;  // steps run + 1 (leaves x_0 .. x_N)
  // Openings that travel with every result, so the noise and decode audits need no round trip:
  // the proof of leaf 0 (x_0 itself is recomputed from the seed) and x_N with its proof.
  verify::MerkleProof initial_proof;
  std::vector<std::int64_t> final_latent_shape;  // [1, C, h, w]
  std::vector<float> final_latent;
  verify::MerkleProof final_proof;
  // A worker signs the results of a render batch with one signature: over the root of a Merkle
  // tree whose leaves are the results' digests (result_leaf), in batch order; this proof opens
  // this result's leaf. A proof of no leaves is the older form, a signature over this result
  // alone (result_signing_bytes), which receipts from earlier releases carry.
  verify::MerkleProof batch_proof;
  Signature signature{};
};

// Every field but the pixels, without copying them first: the signed commitment a coordinator
// keeps and a receipt carries (the pixels are stored, or saved, apart). A test checks it against
// the wire format's list of fields (protocol/inspect.hpp), so a field added there is not dropped.
JobResult without_pixels(const JobResult& r);

Digest output_hash_of(const std::vector<std::uint8_t>& pixels);
// Binary Merkle tree over leaf digests, pairs hashed with a domain tag; an odd node is carried up
// unchanged; the root of no leaves is the hash of the empty string.
Digest merkle_root(const std::vector<Digest>& leaves);

std::vector<std::uint8_t> result_signing_bytes(const JobResult& r);
// A signed result without its pixels, in bytes (canonical.hpp): what a coordinator's journal
// keeps of each delivered job to audit it later. The signed fields as signing writes them, then
// the batch proof and the signature. A new format is added, never changed, so a journal written
// before it still reads.
inline constexpr std::string_view kCommitmentRecordFormat = "seedgrid/commitment-record/v1";
std::vector<std::uint8_t> commitment_record(const JobResult& r);
Result<JobResult> parse_commitment_record(std::span<const std::uint8_t> bytes);
// The digest a result is a leaf of its batch's tree as: BLAKE2b of result_signing_bytes.
Digest result_leaf(const JobResult& r);
// Signs results rendered together with one signature over their tree's root; each gets its
// proof. One Ed25519 signature (and one verification at the coordinator) per batch instead of
// one per result.
void sign_results(std::span<JobResult> batch, const Identity& worker);
void sign_result(JobResult& r, const Identity& worker);  // a batch of one
// Whether r.signature is r.worker's over r: through its batch proof, or in the older form.
bool result_signature_holds(const JobResult& r);
// The commitment's form (not its truth, which only audits test): restated settings equal the
// job's, leaf_count == steps + 1, proofs of x_0 and x_N shaped for that tree, a [1,C,h,w] x_N.
Reply check_commitment_shape(const JobResult& r, const JobSpec& spec);
// The checks that need only the result and its sender's key, and take most of check_result's time
// (an Ed25519 verification and a hash of the pixels): the claimed worker is the sender, the
// signature verifies, the output hash is the pixels'. A coordinator runs them off its own thread.
Reply check_result_integrity(const JobResult& r, const PublicKey& registered_key);
// check_result_integrity for each result of one message, verifying each distinct (batch root,
// signature) once: a batch's results share both.
std::vector<Reply> check_results_integrity(std::span<const JobResult> results,
                                           const PublicKey& registered_key);
// Whether check_result_integrity already passed for the result at hand.
enum class ResultIntegrity { unchecked, checked };
// Checks what the coordinator can check without re-rendering: check_result_integrity (unless it
// was `checked` already), the pixel size, that the result is for the job it was given, and the
// commitment's shape (check_commitment_shape).
// Returns ok when the result stands, else the refusal.
Reply check_result(const JobResult& r, const PublicKey& registered_key, const Job& assigned,
                   ResultIntegrity integrity = ResultIntegrity::unchecked);

}  // namespace seedgrid::protocol
