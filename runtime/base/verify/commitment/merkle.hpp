#pragma once
// The binary Merkle tree a worker commits its trajectory with. Leaves are digests; a node is
// BLAKE2b("seedgrid/merkle-node/v1" ‖ left ‖ right); an odd node at the end of a level is carried
// up unchanged; the root of no leaves is the hash of the empty string. A proof opens one leaf
// without the others, so a validator fetches only the latents it audits.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::verify {

struct MerkleProof {
  std::uint32_t index = 0;       // the leaf's position
  std::uint32_t leaf_count = 0;  // leaves in the tree (fixes which levels carry an odd node)
  std::vector<Digest> siblings;  // bottom-up; levels where the node was carried up have none

  bool operator==(const MerkleProof&) const = default;
};

Digest merkle_root(std::span<const Digest> leaves);
// index < leaves.size().
MerkleProof merkle_proof(std::span<const Digest> leaves, std::uint32_t index);
// The proof of every leaf, from one pass over the tree (merkle_proof per leaf would rebuild it).
std::vector<MerkleProof> merkle_proofs(std::span<const Digest> leaves);
// The root a proof leads to from `leaf`, or nothing when the proof is malformed (an index past
// the leaf count, or a sibling too few or too many for its shape).
std::optional<Digest> merkle_root_from(const Digest& leaf, const MerkleProof& proof);
// Whether `leaf` sits at proof.index of a tree of proof.leaf_count leaves with this root.
bool merkle_verify(const Digest& root, const Digest& leaf, const MerkleProof& proof);

}  // namespace seedgrid::verify
