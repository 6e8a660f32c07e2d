#include "actors/worker/test_fault.hpp"

namespace seedgrid::worker {

bool test_faults_enabled() {
#ifdef SEEDGRID_TEST_FAULTS
  return true;
#else
  return false;
#endif
}

Result<TestFault> parse_test_fault(std::string_view name) {
  if (name == "none") return TestFault::none;
  TestFault fault;
  if (name == "wrong_image")
    fault = TestFault::wrong_image;
  else if (name == "bad_signature")
    fault = TestFault::bad_signature;
  else if (name == "stall")
    fault = TestFault::stall;
  else
    return fail("$.worker.test_fault: unknown fault '", std::string(name), "'");
  if (!test_faults_enabled())
    return fail("$.worker.test_fault: '", std::string(name),
                "' is a test-only fault and this build refuses it (configure with "
                "-DSEEDGRID_TEST_FAULTS=ON to run fault tests)");
  return fault;
}

void apply_test_fault(TestFault fault, protocol::JobResult& r, const Identity& worker) {
#ifdef SEEDGRID_TEST_FAULTS
  switch (fault) {
    case TestFault::wrong_image:
      for (std::size_t i = 0; i < r.pixels.size(); i += 3) r.pixels[i] = 255 - r.pixels[i];
      r.output_hash = protocol::output_hash_of(r.pixels);
      protocol::sign_result(r, worker);
      break;
    case TestFault::bad_signature:
      r.signature[0] ^= 0x5a;
      break;
    case TestFault::none:
    case TestFault::stall:
      break;
  }
#else
  (void)fault;
  (void)r;
  (void)worker;
#endif
}

}  // namespace seedgrid::worker
