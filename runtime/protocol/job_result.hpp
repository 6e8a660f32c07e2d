#pragma once
// What a worker sends back about a job: it started, its progress, its failure, or its result.
// The result is signed over a canonical encoding that binds the job (id, attempt, spec hash,
// model), the output (BLAKE2b of the pixels, size, Merkle root of the per-step latent hashes) and
// how it was made (determinism class, timings), so the coordinator can hold the worker to it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/identity.hpp"
#include "runtime/protocol/error_code.hpp"
#include "runtime/protocol/job.hpp"

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
  Signature signature{};
};

Digest output_hash_of(const std::vector<std::uint8_t>& pixels);
// Binary Merkle tree over leaf digests, pairs hashed with a domain tag; an odd node is carried up
// unchanged; the root of no leaves is the hash of the empty string.
Digest merkle_root(const std::vector<Digest>& leaves);

std::vector<std::uint8_t> result_signing_bytes(const JobResult& r);
void sign_result(JobResult& r, const Identity& worker);
// Checks what the coordinator can check without re-rendering: the sender's registered key, the
// signature, the pixel hash and size, and that the result is for the job it was given.
// Returns ok when the result stands, else the refusal.
Reply check_result(const JobResult& r, const PublicKey& registered_key, const Job& assigned);

}  // namespace seedgrid::protocol
