// The commitment record (protocol::commitment_record): what a coordinator's journal reads back of
// every delivered job after a restart. Whatever parses must write back to the same bytes: the
// encoding is canonical, one byte string for one commitment.
#include "runtime/base/protocol/job_result.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <fstream>
#include <string>

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto result = protocol::parse_commitment_record(bytes);
  if (!result) {
    SEEDGRID_FUZZ_CHECK(!result.error().message.empty());
    return 0;
  }
  SEEDGRID_FUZZ_CHECK(result->pixels.empty());
  const auto written = protocol::commitment_record(*result);
  SEEDGRID_FUZZ_CHECK(std::equal(written.begin(), written.end(), bytes.begin(), bytes.end()));
  return 0;
}

// `commitment_record_replay --write-seeds DIR`: a signed commitment with a latent and proofs.
extern "C" int seedgrid_fuzz_write_seeds(const char* dir) {
  protocol::JobResult r;
  r.job_id = "r1/0";
  r.model_id = std::string(64, 'a');
  r.width = 64;
  r.height = 64;
  r.determinism_class = "cpu-x86_64-f32";
  r.sampler = "euler_a";
  r.steps = 4;
  r.leaf_count = 5;
  r.final_latent_shape = {1, 1, 2, 2};
  r.final_latent = {0.25f, -1.5f, 3.0f, 0.0f};
  r.initial_proof.leaf_count = 5;
  r.initial_proof.siblings.resize(3);
  r.final_proof.index = 4;
  r.final_proof.leaf_count = 5;
  r.final_proof.siblings.resize(1);
  protocol::sign_result(r, Identity::from_seed({1}));
  const auto bytes = protocol::commitment_record(r);
  std::ofstream out(std::string(dir) + "/signed", std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 1;
}
