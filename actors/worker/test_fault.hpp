#pragma once
// Test-only misbehaviour of a worker, for the fault tests: compiled in only when the build has
// SEEDGRID_TEST_FAULTS (tests/run.sh turns it on); a release build refuses a config that asks for
// one, so a production worker can never be told to cheat.
//   wrong_image    returns altered pixels with a valid signature (only an audit can tell)
//   bad_signature  returns the right pixels with a corrupted signature
//   stall          accepts jobs and never renders them (deadlines must fire)
//   withhold_openings  renders honestly but answers every opening request with an error
//   false_script_failure  renders, then reports every job as its task script's own failure
//                  (kFalseScriptFailure), to shed the work without being blamed
// The cheats of actors/worker/cheats/ (wrong seed, forged trajectory, ...) are rendered by the
// renderer itself; see cheat.hpp.
#include <string_view>

#include "runtime/base/protocol/opening.hpp"

#include "models/result.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::worker {

// cheat: a cheat of the zoo, named in the config; the renderer renders it (Renderer::enable_cheat).
enum class TestFault {
  none,
  wrong_image,
  bad_signature,
  stall,
  withhold_openings,
  false_script_failure,
  cheat
};

// What a false_script_failure worker claims: the same for every such worker, as a script's own
// failure would be.
inline constexpr std::string_view kFalseScriptFailure = "fault.lua:1: the task script failed";

bool test_faults_enabled();
// Whether `name` is a cheat of the zoo (actors/worker/cheats/cheat.hpp) rather than a fault here.
bool is_cheat_name(std::string_view name);
// "none" always parses; the others only in a build with test faults.
Result<TestFault> parse_test_fault(std::string_view name);
// Alters a signed result as the fault says (wrong_image re-signs its altered pixels).
void apply_test_fault(TestFault fault, protocol::JobResult& result, const Identity& worker);
// Alters an (unsigned) opening reply as the fault says.
void apply_opening_fault(TestFault fault, protocol::Opening& opening);
// false_script_failure: every rendered result becomes a claim of a script failure.
void apply_failure_fault(TestFault fault, std::vector<protocol::JobResult>& results,
                         std::vector<protocol::JobFailure>& failures);

}  // namespace seedgrid::worker
