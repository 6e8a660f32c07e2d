#include "runtime/base/verify/commitment/merkle.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace seedgrid::verify {
namespace {

std::vector<Digest> leaves_of(std::uint32_t n) {
  std::vector<Digest> leaves;
  for (std::uint32_t i = 0; i < n; ++i) leaves.push_back(blake2b("leaf " + std::to_string(i)));
  return leaves;
}

Digest node(const Digest& l, const Digest& r) {
  Blake2b h;
  h.update("seedgrid/merkle-node/v1").update(l).update(r);
  return h.finish();
}

TEST(Merkle, RootOfNoLeavesIsHashOfEmptyString) {
  EXPECT_EQ(merkle_root({}), blake2b(std::string_view{}));
}

TEST(Merkle, RootOfOneLeafIsTheLeaf) {
  const auto leaves = leaves_of(1);
  EXPECT_EQ(merkle_root(leaves), leaves[0]);
}

TEST(Merkle, OddNodeIsCarriedUpUnchanged) {
  const auto l = leaves_of(3);
  EXPECT_EQ(merkle_root(l), node(node(l[0], l[1]), l[2]));
  const auto f = leaves_of(5);
  EXPECT_EQ(merkle_root(f), node(node(node(f[0], f[1]), node(f[2], f[3])), f[4]));
}

TEST(Merkle, EveryProofVerifiesForOneToThirtyThreeLeaves) {
  for (std::uint32_t n = 1; n <= 33; ++n) {
    const auto leaves = leaves_of(n);
    const Digest root = merkle_root(leaves);
    for (std::uint32_t i = 0; i < n; ++i) {
      const MerkleProof p = merkle_proof(leaves, i);
      EXPECT_EQ(p.index, i);
      EXPECT_EQ(p.leaf_count, n);
      EXPECT_TRUE(merkle_verify(root, leaves[i], p)) << "leaf " << i << " of " << n;
    }
  }
}

TEST(Merkle, ProofsOfAllLeavesAreEachLeafsOwnProof) {
  for (std::uint32_t n = 0; n <= 33; ++n) {
    const auto leaves = leaves_of(n);
    const auto proofs = merkle_proofs(leaves);
    ASSERT_EQ(proofs.size(), n);
    for (std::uint32_t i = 0; i < n; ++i) {
      EXPECT_EQ(proofs[i], merkle_proof(leaves, i)) << "leaf " << i << " of " << n;
      EXPECT_EQ(merkle_root_from(leaves[i], proofs[i]), merkle_root(leaves));
    }
  }
}

TEST(Merkle, RootFromAMalformedProofIsNone) {
  const auto leaves = leaves_of(5);
  MerkleProof p = merkle_proof(leaves, 2);
  EXPECT_TRUE(merkle_root_from(leaves[2], p).has_value());
  MerkleProof short_one = p;
  short_one.siblings.pop_back();
  EXPECT_FALSE(merkle_root_from(leaves[2], short_one).has_value());
  MerkleProof long_one = p;
  long_one.siblings.push_back(leaves[0]);
  EXPECT_FALSE(merkle_root_from(leaves[2], long_one).has_value());
  MerkleProof past_end = p;
  past_end.index = 5;
  EXPECT_FALSE(merkle_root_from(leaves[2], past_end).has_value());
  EXPECT_FALSE(merkle_root_from(leaves[2], MerkleProof{}).has_value());
}

TEST(Merkle, TamperedProofsFail) {
  for (std::uint32_t n = 2; n <= 33; ++n) {
    const auto leaves = leaves_of(n);
    const Digest root = merkle_root(leaves);
    for (std::uint32_t i = 0; i < n; ++i) {
      const MerkleProof p = merkle_proof(leaves, i);
      ASSERT_FALSE(p.siblings.empty());
      for (std::size_t s = 0; s < p.siblings.size(); ++s) {
        MerkleProof bad = p;
        bad.siblings[s][0] ^= 1;
        EXPECT_FALSE(merkle_verify(root, leaves[i], bad)) << "sibling " << s << " of leaf " << i;
      }
      Digest leaf = leaves[i];
      leaf[31] ^= 0x80;
      EXPECT_FALSE(merkle_verify(root, leaf, p));
      // The same proof cannot place the leaf at another index.
      for (std::uint32_t j = 0; j < n; ++j) {
        if (j == i) continue;
        MerkleProof moved = p;
        moved.index = j;
        EXPECT_FALSE(merkle_verify(root, leaves[i], moved)) << "leaf " << i << " moved to " << j;
      }
      MerkleProof shorter = p;
      shorter.siblings.pop_back();
      EXPECT_FALSE(merkle_verify(root, leaves[i], shorter));
      MerkleProof longer = p;
      longer.siblings.push_back(leaves[0]);
      EXPECT_FALSE(merkle_verify(root, leaves[i], longer));
    }
  }
}

TEST(Merkle, ProofOutOfRangeOrForAnotherTreeSizeFails) {
  const auto leaves = leaves_of(6);
  const Digest root = merkle_root(leaves);
  MerkleProof p = merkle_proof(leaves, 5);
  p.index = 6;
  EXPECT_FALSE(merkle_verify(root, leaves[5], p));
  MerkleProof q = merkle_proof(leaves, 4);
  q.leaf_count = 5;  // in a 5-leaf tree leaf 4 is carried up: the proof's shape no longer fits
  EXPECT_FALSE(merkle_verify(root, leaves[4], q));
  MerkleProof none{};
  EXPECT_FALSE(merkle_verify(root, leaves[0], none));
}

TEST(Merkle, MatchesProtocolMerkleRoot) {
  // protocol::merkle_root delegates here; the bytes are the same ones signed before issue 6.
  const auto l = leaves_of(7);
  EXPECT_EQ(merkle_root(l),
            node(node(node(l[0], l[1]), node(l[2], l[3])), node(node(l[4], l[5]), l[6])));
}

}  // namespace
}  // namespace seedgrid::verify
