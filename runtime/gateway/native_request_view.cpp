#include "runtime/gateway/native_request_view.hpp"

#include <boost/json.hpp>

namespace seedgrid::gateway {

namespace json = boost::json;

namespace {

std::string_view job_state_name(JobState s) {
  switch (s) {
    case JobState::waiting:
      return "waiting";
    case JobState::processing:
      return "processing";
    case JobState::done:
      return "done";
    case JobState::failed:
      return "failed";
    case JobState::cancelled:
      return "cancelled";
  }
  return "?";
}

}  // namespace

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::submitting:
      return "submitting";
    case Phase::accepted:
      return "accepted";
    case Phase::refused:
      return "refused";
    case Phase::completed:
      return "completed";
  }
  return "?";
}

json::object request_json(const RequestRecord& r) {
  json::array jobs, images;
  for (std::size_t i = 0; i < r.jobs.size(); ++i)
    jobs.push_back(json::object{{"index", i},
                                {"state", job_state_name(r.jobs[i])},
                                {"step", r.steps_done[i]},
                                {"steps", r.request.steps}});
  for (const auto& [index, im] : r.images)
    images.push_back(json::object{{"image_id", im.image_id},
                                  {"index", index},
                                  {"seed", im.seed},
                                  {"worker", im.worker},
                                  {"determinism_class", im.determinism_class},
                                  {"audit", im.audit},
                                  {"width", im.width},
                                  {"height", im.height},
                                  {"charged", im.money.charged},
                                  {"worker_paid", im.money.worker_paid},
                                  {"creator_paid", im.money.creator_paid},
                                  {"platform_fee", im.money.platform_fee},
                                  {"burned", im.money.burned},
                                  {"has_receipt", !im.receipt_json.empty()}});
  const auto& q = r.request;
  json::object out{{"id", r.id},
                   {"state", phase_name(r.phase)},
                   {"created", r.created_unix},
                   {"model", r.model_name},
                   {"model_id", q.model_id},
                   {"prompt", q.prompt},
                   {"negative_prompt", q.negative_prompt},
                   {"seed", q.seed},
                   {"steps", q.steps},
                   {"cfg", q.guidance},
                   {"sampler", q.sampler},
                   {"karras", q.karras},
                   {"width", q.width},
                   {"height", q.height},
                   {"count", q.count},
                   {"tier", protocol::tier_name(q.tier)},
                   {"private", q.privacy == protocol::Privacy::private_images},
                   {"task_type", q.task_type},
                   {"params",
                    [&] {
                      json::object params;
                      for (const auto& p : q.params) params[p.name] = p.value;
                      return params;
                    }()},
                   {"quoted", r.quoted},
                   {"queue_position", r.queue_position},
                   {"eta_s", r.eta_seconds()},
                   {"retries", r.retries},
                   {"cancel_requested", r.cancel_requested},
                   {"jobs", jobs},
                   {"images", images},
                   {"events", r.events.size()}};
  if (r.phase == Phase::refused)
    out["error"] = json::object{{"code", std::string(protocol::error_code_name(r.refusal.code))},
                                {"message", r.refusal.reason}};
  if (r.phase == Phase::completed)
    out["completed"] = json::object{{"delivered", r.completed.delivered},
                                    {"failed", r.completed.failed},
                                    {"cancelled", r.completed.cancelled},
                                    {"charged", r.completed.total_charged},
                                    {"refunded", r.completed.refunded}};
  return out;
}

}  // namespace seedgrid::gateway
