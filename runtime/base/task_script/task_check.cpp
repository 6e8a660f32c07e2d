#include "runtime/base/task_script/task_check.hpp"

namespace seedgrid::task_script {

Result<std::vector<PassCost>> plan_task(const TaskScript& script, const ParamValues& resolved) {
  if (auto size = script.declared_size(resolved); !size) return pass_on(size);
  return script.declared_cost(resolved);
}

ChoiceCheck check_choices(const TaskScript& script, const ParamValues& given,
                          std::size_t max_plans) {
  ChoiceCheck check;
  const auto base = resolve_params(script.schema(), given);
  for (const ParamSpec& p : script.schema().params) {
    for (const std::string& choice : p.choices) {
      ++check.declared;
      if (base) {
        const auto held = base->find(p.name);
        if (held != base->end() && held->second == ParamValue{choice}) continue;
      }
      if (check.planned == max_plans) {
        ++check.skipped;
        continue;
      }
      ++check.planned;
      ParamValues values = given;
      values.insert_or_assign(p.name, ParamValue{choice});
      auto resolved = resolve_params(script.schema(), values);
      if (!resolved) {
        check.failures.push_back({p.name, choice, resolved.error()});
        continue;
      }
      if (auto plan = plan_task(script, *resolved); !plan)
        check.failures.push_back({p.name, choice, plan.error()});
    }
  }
  return check;
}

}  // namespace seedgrid::task_script
