#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/base/protocol/canonical.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::protocol {
namespace {

JobResult sample_commitment() {
  JobResult r;
  r.job_id = "req/0";
  r.attempt = 1;
  r.model_id = std::string(64, 'a');
  r.width = 64;
  r.height = 64;
  r.output_hash = blake2b(std::string_view("pixels"));
  r.determinism_class = "cpu-x86_64-f32";
  r.sampler = "euler_a";
  r.steps = 4;
  r.leaf_count = 5;
  r.final_latent_shape = {1, 4, 1, 1};
  r.final_latent = {0.25f, -1.0f, 2.0f, 8.0f};
  r.final_proof.index = 4;
  r.final_proof.leaf_count = 5;
  r.final_proof.siblings = {blake2b(std::string_view("x3"))};
  sign_result(r, Identity::from_seed({3}));
  return r;
}

// Journals keep these bytes across releases: a change to what this format writes must be a new
// format (kCommitmentRecordFormat), not a new meaning of this one. This digest pins the bytes.
TEST(CommitmentRecord, ItsBytesDoNotChangeMeaningAcrossReleases) {
  const JobResult r = sample_commitment();
  const auto bytes = commitment_record(r);
  EXPECT_EQ(to_hex(blake2b(bytes)),
            "1b1dc5870041165c03141ca33c4eafe95c09a84c0f39865a8534f336755a7182");
  // Its layout: the format, the fields exactly as the worker signed them (what follows the
  // signing domain), the batch proof (index, leaf count, no siblings for a batch of one), the
  // signature.
  CanonicalWriter expected(kCommitmentRecordFormat);
  const auto signed_bytes = result_signing_bytes(r);
  const std::size_t signing_domain = 8 + std::string_view("seedgrid/job-result/v2").size();
  expected.fixed(std::span(signed_bytes).subspan(signing_domain));
  expected.u32(0).u32(1).u64(0).fixed(r.signature);
  EXPECT_EQ(bytes, expected.encoded());
}

TEST(CommitmentRecord, ReadsBackASignedResultThatStillVerifies) {
  const JobResult r = sample_commitment();
  auto back = parse_commitment_record(commitment_record(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->job_id, "req/0");
  EXPECT_EQ(back->final_latent, r.final_latent);
  EXPECT_EQ(back->final_proof.siblings, r.final_proof.siblings);
  EXPECT_EQ(back->batch_proof.leaf_count, 1u);
  EXPECT_TRUE(result_signature_holds(*back));
}

TEST(CommitmentRecord, APixelsFieldIsNeverWritten) {
  JobResult r = sample_commitment();
  const auto without = commitment_record(r);
  r.pixels.assign(64 * 64 * 3, 1);
  EXPECT_EQ(commitment_record(r), without);
}

TEST(CommitmentRecord, AnotherFormatIsRefusedByName) {
  CanonicalWriter w("seedgrid/commitment-record/v9");
  auto back = parse_commitment_record(w.encoded());
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().message,
            "commitment record: format 'seedgrid/commitment-record/v9' is not "
            "seedgrid/commitment-record/v1");
  CanonicalWriter unnamed("");
  unnamed.u32(1);
  auto nameless = parse_commitment_record(unnamed.encoded());
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().message,
            "commitment record: format '' is not seedgrid/commitment-record/v1");
  auto empty = parse_commitment_record({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "commitment record: format at byte 0: needs 8 bytes, 0 are left");
}

TEST(CommitmentRecord, ACutRecordNamesTheFieldItEndsIn) {
  auto bytes = commitment_record(sample_commitment());
  bytes.resize(bytes.size() - 10);
  auto back = parse_commitment_record(bytes);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message.find("commitment record: signature at byte"), std::string::npos)
      << back.error().message;
}

}  // namespace
}  // namespace seedgrid::protocol
