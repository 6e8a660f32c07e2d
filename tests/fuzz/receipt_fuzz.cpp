// ImageReceipt JSON (what a client keeps next to each image and `seedgrid audit` reads): what parses
// must write back (to_json) into a receipt that parses to the same text.
#include "runtime/base/verify/receipt.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto receipt = verify::parse_receipt(text);
  if (!receipt) {
    SEEDGRID_FUZZ_CHECK(!receipt.error().message.empty());
    return 0;
  }
  const std::string written = verify::to_json(*receipt);
  auto again = verify::parse_receipt(written);
  if (!again) std::fprintf(stderr, "%s\n%s\n", written.c_str(), again.error().message.c_str());
  SEEDGRID_FUZZ_CHECK(again.has_value());
  SEEDGRID_FUZZ_CHECK(verify::to_json(*again) == written);
  return 0;
}

// `receipt_replay --write-seeds DIR`: a receipt of an example job, with verdicts.
extern "C" int seedgrid_fuzz_write_seeds(const char* dir) {
  protocol::Job job;
  job.job_id = "r1/0";
  job.request_id = "r1";
  job.spec.model_id = std::string(64, 'a');
  job.spec.prompt = "a lighthouse on a cliff, %0A\n\"quoted\"";
  job.spec.steps = 4;
  job.spec.width = 64;
  job.spec.height = 64;
  protocol::JobResult result;
  result.job_id = job.job_id;
  result.width = 64;
  result.height = 64;
  result.final_latent = {0.25f, -1.5f, 3.0f, 0.0f};
  result.final_latent_shape = {1, 1, 2, 2};
  result.leaf_count = 5;
  result.final_proof.index = 4;
  result.final_proof.leaf_count = 5;
  result.final_proof.siblings.resize(3);
  verify::ImageReceipt receipt = verify::receipt_of(job, result, "r1-0.png");
  receipt.verdicts.push_back({"pass", std::string(64, 'b'), "step audit of 2 steps"});
  receipt.verdicts.push_back({"not sampled", "", ""});
  return verify::write_receipt(std::string(dir) + "/example.receipt.json", receipt) ? 0 : 1;
}
