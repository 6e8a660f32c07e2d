#pragma once
// Test-only misbehaviour of a worker, for the fault tests: compiled in only when the build has
// SEEDGRID_TEST_FAULTS (tests/run.sh turns it on); a release build refuses a config that asks for
// one, so a production worker can never be told to cheat.
//   wrong_image    returns altered pixels with a valid signature (only an audit can tell)
//   bad_signature  returns the right pixels with a corrupted signature
//   stall          accepts jobs and never renders them (deadlines must fire)
#include <string_view>

#include "models/result.hpp"
#include "runtime/protocol/job_result.hpp"

namespace seedgrid::worker {

enum class TestFault { none, wrong_image, bad_signature, stall };

bool test_faults_enabled();
// "none" always parses; the others only in a build with test faults.
Result<TestFault> parse_test_fault(std::string_view name);
// Alters a signed result as the fault says (wrong_image re-signs its altered pixels).
void apply_test_fault(TestFault fault, protocol::JobResult& result, const Identity& worker);

}  // namespace seedgrid::worker
