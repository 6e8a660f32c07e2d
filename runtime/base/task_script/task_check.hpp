#pragma once
// What `seedgrid task check` runs of a script before any network does: its planning, size(p)
// and cost(p), which a coordinator runs at submit and a worker before it renders, for the
// parameters given and again for each choice a string parameter declares. A choice the script's
// own code cannot handle ("bad mode" in an if/elseif chain) then fails when the script is
// checked, not when a request first picks it.
//
// One choice at a time, the other parameters as given, never their combinations: the work grows
// with the number of choices, not their product, and each plan runs in a fresh sandbox under its
// instruction budget and memory cap. At most kMaxChoicePlans plans, in declaration order, so a
// script with a huge list of choices cannot turn one check into hours.
#include <cstddef>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/task_script/task_schema.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::task_script {

inline constexpr std::size_t kMaxChoicePlans = 256;

// size(p), where the script declares it, then cost(p), for resolved parameters: the passes, or
// the script's own error with its line.
Result<std::vector<PassCost>> plan_task(const TaskScript& script, const ParamValues& resolved);

struct ChoiceFailure {
  std::string param;   // the parameter's name
  std::string choice;  // the value its choices declare
  Error error;         // the script's own ("task.lua:12: ...")
};

struct ChoiceCheck {
  std::size_t declared = 0;  // choices the schema declares, over every parameter
  std::size_t planned = 0;   // of those, planned here (the rest: the value given, or past the cap)
  std::size_t skipped = 0;   // past kMaxChoicePlans, not planned
  std::vector<ChoiceFailure> failures;
};

// `given`: the parameters as the check was given them (before resolve_params; image parameters
// already stand in). Each choice replaces its parameter's value; a choice equal to the value the
// parameters already hold is not planned again (a plan is a function of its parameters).
ChoiceCheck check_choices(const TaskScript& script, const ParamValues& given,
                          std::size_t max_plans = kMaxChoicePlans);

}  // namespace seedgrid::task_script
