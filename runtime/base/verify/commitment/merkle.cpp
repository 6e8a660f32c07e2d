#include "runtime/base/verify/commitment/merkle.hpp"

namespace seedgrid::verify {

namespace {

constexpr std::string_view kNodeTag = "seedgrid/merkle-node/v1";

Digest node_of(const Digest& left, const Digest& right) {
  Blake2b h;
  h.update(kNodeTag).update(left).update(right);
  return h.finish();
}

// The node at position i of a level of `count` nodes is carried up unchanged when it is the odd
// one out at the end.
bool carried_up(std::uint64_t i, std::uint64_t count) { return i == count - 1 && count % 2 == 1; }

std::vector<Digest> level_above(const std::vector<Digest>& level) {
  std::vector<Digest> up;
  up.reserve((level.size() + 1) / 2);
  for (std::size_t i = 0; i + 1 < level.size(); i += 2)
    up.push_back(node_of(level[i], level[i + 1]));
  if (level.size() % 2 == 1) up.push_back(level.back());
  return up;
}

}  // namespace

Digest merkle_root(std::span<const Digest> leaves) {
  if (leaves.empty()) return blake2b(std::string_view{});
  std::vector<Digest> level(leaves.begin(), leaves.end());
  while (level.size() > 1) level = level_above(level);
  return level.front();
}

MerkleProof merkle_proof(std::span<const Digest> leaves, std::uint32_t index) {
  MerkleProof proof;
  proof.index = index;
  proof.leaf_count = static_cast<std::uint32_t>(leaves.size());
  std::vector<Digest> level(leaves.begin(), leaves.end());
  for (std::size_t i = index; level.size() > 1; i /= 2) {
    if (!carried_up(i, level.size())) proof.siblings.push_back(level[i ^ 1]);
    level = level_above(level);
  }
  return proof;
}

std::vector<MerkleProof> merkle_proofs(std::span<const Digest> leaves) {
  std::vector<MerkleProof> proofs(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    proofs[i].index = static_cast<std::uint32_t>(i);
    proofs[i].leaf_count = static_cast<std::uint32_t>(leaves.size());
  }
  std::vector<Digest> level(leaves.begin(), leaves.end());
  // Leaf i's node on the current level is at i >> depth.
  for (std::size_t depth = 0; level.size() > 1; ++depth) {
    for (auto& p : proofs) {
      const std::size_t at = p.index >> depth;
      if (!carried_up(at, level.size())) p.siblings.push_back(level[at ^ 1]);
    }
    level = level_above(level);
  }
  return proofs;
}

std::optional<Digest> merkle_root_from(const Digest& leaf, const MerkleProof& proof) {
  if (proof.leaf_count == 0 || proof.index >= proof.leaf_count) return std::nullopt;
  Digest node = leaf;
  std::size_t used = 0;
  for (std::uint64_t i = proof.index, count = proof.leaf_count; count > 1;
       i /= 2, count = (count + 1) / 2) {
    if (carried_up(i, count)) continue;
    if (used == proof.siblings.size()) return std::nullopt;
    const Digest& sibling = proof.siblings[used++];
    node = i % 2 == 0 ? node_of(node, sibling) : node_of(sibling, node);
  }
  if (used != proof.siblings.size()) return std::nullopt;
  return node;
}

bool merkle_verify(const Digest& root, const Digest& leaf, const MerkleProof& proof) {
  const auto reached = merkle_root_from(leaf, proof);
  return reached && *reached == root;
}

}  // namespace seedgrid::verify
