#include "actors/worker/test_fault.hpp"

#include "actors/worker/cheats/cheat.hpp"

namespace seedgrid::worker {

bool test_faults_enabled() {
#ifdef SEEDGRID_TEST_FAULTS
  return true;
#else
  return false;
#endif
}

bool is_cheat_name(std::string_view name) {
  for (const auto& cheats : {all_cheats(), scripted_only_cheats()})
    for (Cheat c : cheats)
      if (cheat_name(c) == name) return true;
  return false;
}

Result<TestFault> parse_test_fault(std::string_view name) {
  if (name == "none") return TestFault::none;
  if (is_cheat_name(name)) {
    if (!test_faults_enabled() || !cheats_enabled())
      return fail("$.worker.test_fault: '", std::string(name),
                  "' is a test-only cheat and this build refuses it (configure with "
                  "-DSEEDGRID_TEST_FAULTS=ON to run fault tests)");
    return TestFault::cheat;
  }
  TestFault fault;
  if (name == "wrong_image")
    fault = TestFault::wrong_image;
  else if (name == "bad_signature")
    fault = TestFault::bad_signature;
  else if (name == "stall")
    fault = TestFault::stall;
  else if (name == "withhold_openings")
    fault = TestFault::withhold_openings;
  else if (name == "false_script_failure")
    fault = TestFault::false_script_failure;
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
    case TestFault::withhold_openings:
    case TestFault::false_script_failure:
    case TestFault::cheat:
      break;
  }
#else
  (void)fault;
  (void)r;
  (void)worker;
#endif
}

void apply_failure_fault(TestFault fault, std::vector<protocol::JobResult>& results,
                         std::vector<protocol::JobFailure>& failures) {
#ifdef SEEDGRID_TEST_FAULTS
  if (fault != TestFault::false_script_failure) return;
  for (const auto& r : results)
    failures.push_back({r.job_id, r.attempt, protocol::ErrorCode::task_script_failed,
                        std::string(kFalseScriptFailure), 0});
  results.clear();
#else
  (void)fault;
  (void)results;
  (void)failures;
#endif
}

void apply_opening_fault(TestFault fault, protocol::Opening& o) {
#ifdef SEEDGRID_TEST_FAULTS
  if (fault == TestFault::withhold_openings) {
    o.openings.clear();
    o.error = "test fault 'withhold_openings'";
  }
#else
  (void)fault;
  (void)o;
#endif
}

}  // namespace seedgrid::worker
