#pragma once
// Openings of a committed trajectory, asked for after the commit: a validator running a step
// audit asks (through the coordinator, which checks the validator holds that audit and relays to
// the worker with a deadline) for x_t of the chosen t; the worker answers from its trajectory
// store with each latent and its Merkle proof, signed. A missing or expired trajectory, an error,
// or no answer by the deadline fails the audit ("no opening").
#include <cstdint>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/verify/commitment/merkle.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::protocol {

struct OpeningRequest {
  std::string audit_id;  // "<job id>#<attempt>"
  std::string job_id;
  std::uint32_t attempt = 0;
  std::vector<std::uint32_t> steps;  // the t to open, ascending, distinct
};

// verify::LatentOpening on the wire.
struct WireOpening {
  std::uint32_t t = 0;
  std::vector<std::int64_t> shape;
  std::vector<float> latent;
  verify::MerkleProof proof;
};

struct Opening {
  std::string audit_id;
  std::string job_id;
  std::uint32_t attempt = 0;
  PublicKey worker;
  std::vector<WireOpening> openings;  // one per requested t, in the request's order
  std::string error;                  // non-empty: the worker cannot open (expired, unknown)
  Signature signature{};
};

WireOpening wire_opening(const verify::LatentOpening& o);
// Errors name the step when the shape does not match the values.
Result<verify::LatentOpening> latent_opening(const WireOpening& w);

std::vector<std::uint8_t> opening_signing_bytes(const Opening& o);
void sign_opening(Opening& o, const Identity& worker);
bool opening_signature_valid(const Opening& o);

}  // namespace seedgrid::protocol
