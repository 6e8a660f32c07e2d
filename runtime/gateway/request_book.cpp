#include "runtime/gateway/request_book.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json.hpp>
#include <caf/actor.hpp>

#include "runtime/base/client/delivered_receipt.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;
using protocol::EventKind;

std::uint32_t RequestRecord::eta_seconds() const {
  const auto now = std::chrono::steady_clock::now();
  double longest = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i] != JobState::processing || steps_done[i] == 0) continue;
    const double elapsed = std::chrono::duration<double>(now - job_started[i]).count();
    const double per_step = elapsed / steps_done[i];
    longest =
        std::max(longest, per_step * (request.steps - std::min(request.steps, steps_done[i])));
  }
  return static_cast<std::uint32_t>(longest + 0.5);
}

namespace {

// A resumed request's events are numbered from (the gateway's start number x this) + 1: above every
// id any earlier start gave (no stream of one start reaches a billion events), and still exact as a
// JavaScript number for millions of starts.
constexpr std::uint64_t kEventIdsPerStart = 1'000'000'000;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string receipt_json_of(const protocol::GenerateRequest& request,
                            const protocol::ClientEvent& e) {
  if (!e.commitment) return {};
  auto receipt = client::delivered_receipt(
      request, e, request.request_id + "-" + std::to_string(e.index) + ".png");
  return receipt ? verify::to_json(*receipt) : std::string();
}

json::object money_json(const protocol::PaymentReceipt& m) {
  return {{"charged", m.charged},
          {"worker_paid", m.worker_paid},
          {"creator_paid", m.creator_paid},
          {"platform_fee", m.platform_fee},
          {"burned", m.burned},
          {"reference", m.reference}};
}

// The event as the native API streams it (the same text for SSE and WebSocket).
json::object event_json(const RequestRecord& r, const protocol::ClientEvent& e) {
  json::object o{{"request_id", r.id}};
  if (e.index != protocol::kAllJobs) o["index"] = e.index;
  switch (e.kind) {
    case EventKind::queued:
      o["type"] = "queued";
      o["position"] = e.position;
      break;
    case EventKind::assigned:
      o["type"] = "assigned";
      o["worker"] = e.worker.hex();
      o["attempt"] = e.attempt;
      break;
    case EventKind::started:
      o["type"] = "started";
      o["attempt"] = e.attempt;
      break;
    case EventKind::progress:
      o["type"] = "progress";
      o["step"] = e.step;
      o["steps"] = e.steps;
      o["eta_s"] = r.eta_seconds();
      break;
    case EventKind::result:
      o["type"] = "result";
      o["image_id"] = r.id + "-" + std::to_string(e.index);
      o["worker"] = e.worker.hex();
      o["audit"] = e.audit;
      break;
    case EventKind::paid:
      o["type"] = "paid";
      o["image_id"] = r.id + "-" + std::to_string(e.index);
      o["receipt"] = money_json(e.receipt);
      break;
    case EventKind::retry:
      o["type"] = "retry";
      o["attempt"] = e.attempt;
      o["code"] = std::string(protocol::error_code_name(e.code));
      o["message"] = e.reason;
      break;
    case EventKind::failed:
    case EventKind::cancelled:
      o["type"] = "error";
      o["code"] = std::string(protocol::error_code_name(e.code));
      o["message"] = e.reason;
      o["cancelled"] = e.kind == EventKind::cancelled;
      break;
    case EventKind::completed:
      o["type"] = "completed";
      o["delivered"] = e.delivered;
      o["failed"] = e.failed;
      o["cancelled"] = e.cancelled;
      o["charged"] = e.total_charged;
      o["refunded"] = e.refunded;
      break;
  }
  return o;
}

}  // namespace

RequestBook::RequestBook(caf::actor_system& system, const caf::actor* coordinator,
                         config::Endpoint endpoint, config::NetworkSection network,
                         std::chrono::milliseconds submit_timeout, RetentionLimits retention,
                         std::unique_ptr<RequestJournal> journal)
    : system_(system),
      coordinator_(coordinator ? std::make_unique<caf::actor>(*coordinator) : nullptr),
      endpoint_(std::move(endpoint)),
      network_(network),
      submit_timeout_(submit_timeout),
      journal_(std::move(journal)),
      retention_(retention) {
  housekeeper_ = std::thread([this] { housekeeping(); });
}

RequestBook::~RequestBook() {
  {
    std::lock_guard lock(alive_->mutex);
    alive_->alive = false;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  housekeeper_.join();
  std::map<std::string, std::unique_ptr<RequestRecord>> requests;
  {
    std::lock_guard lock(mutex_);
    requests.swap(requests_);
  }
  requests.clear();  // stops the sessions outside the lock (their callbacks take it)
}

void RequestBook::submit(protocol::GenerateRequest request, const std::string& owner,
                         std::shared_ptr<const Identity> key, std::string model_name,
                         Answered answered, std::map<std::string, std::string> labels) {
  const std::string id = request.request_id;
  {
    std::lock_guard lock(mutex_);
    if (requests_.count(id)) {
      answered(protocol::fail_with(protocol::ErrorCode::duplicate_request, "request id '", id,
                                   "' is already in use"));
      return;
    }
    auto r = std::make_unique<RequestRecord>();
    r->id = id;
    r->owner = owner;
    r->model_name = std::move(model_name);
    r->labels = std::move(labels);
    r->created_unix = unix_now();
    r->submitted_at = std::chrono::steady_clock::now();
    r->jobs.assign(request.count, JobState::waiting);
    r->steps_done.assign(request.count, 0);
    r->job_started.assign(request.count, {});
    r->request = request;
    requests_[id] = std::move(r);
    pending_[id] = std::make_shared<Pending>(Pending{std::move(answered)});
    ++counters_.requests_submitted;
  }
  start_session(id, std::move(request), std::move(key));
}

Result<std::size_t> RequestBook::resume(const KeyOf& key_of) {
  if (!journal_) return std::size_t{0};
  auto kept = journal_->load();
  if (!kept) return pass_on(kept);
  std::size_t resumed = 0;
  for (auto& k : *kept) {
    auto key = key_of(k.owner);
    if (!key) {
      if (auto f = journal_->forget(k.id); !f) return pass_on(f);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (requests_.count(k.id)) continue;
      auto r = std::make_unique<RequestRecord>();
      r->id = k.id;
      r->owner = k.owner;
      r->model_name = k.model_name;
      r->labels = k.labels;
      r->created_unix = k.created_unix;
      r->submitted_at = std::chrono::steady_clock::now();
      r->phase = Phase::accepted;  // the request itself comes with the attach's answer (on_ack)
      r->request.request_id = k.id;
      r->request.count = 0;  // until then
      r->first_event_id = journal_->start_number() * kEventIdsPerStart + 1;
      requests_[k.id] = std::move(r);
    }
    start_session(k.id, client::GenerateSession::Resume{k.id, k.coordinator}, std::move(key));
    ++resumed;
  }
  return resumed;
}

void RequestBook::start_session(const std::string& id, SessionStart start,
                                std::shared_ptr<const Identity> key) {
  client::SessionCallbacks callbacks;
  auto alive = alive_;
  callbacks.on_ack = [this, id, alive](const protocol::SubmitAck& ack) {
    std::lock_guard lock(alive->mutex);
    if (alive->alive) on_ack(id, ack);
  };
  callbacks.on_event = [this, id, alive](const protocol::ClientEvent& e) {
    std::lock_guard lock(alive->mutex);
    if (alive->alive) on_event(id, e);
  };
  callbacks.on_finish = [this, id, alive](const client::SessionOutcome& o) {
    std::lock_guard lock(alive->mutex);
    if (alive->alive) on_finish(id, o);
  };
  auto session = std::visit(
      [&](auto& what) {
        return std::make_unique<client::GenerateSession>(system_, coordinator_.get(), endpoint_,
                                                         network_, std::move(what), std::move(key),
                                                         std::move(callbacks));
      },
      start);
  std::lock_guard lock(mutex_);
  if (auto it = requests_.find(id); it != requests_.end()) it->second->session = std::move(session);
}

void RequestBook::on_ack(const std::string& id, const protocol::SubmitAck& ack) {
  std::shared_ptr<Pending> pending;
  std::optional<KeptRequest> keep;
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    auto& r = *it->second;
    if (r.phase == Phase::submitting) {
      r.phase = Phase::accepted;
      keep = KeptRequest{r.id, r.owner, r.created_unix, r.model_name, r.labels, ack.coordinator};
    }
    if (r.request.count == 0) {  // resumed: the attach's answer carries the request
      r.request = ack.request;
      r.jobs.assign(r.request.count, JobState::waiting);
      r.steps_done.assign(r.request.count, 0);
      r.job_started.assign(r.request.count, {});
    }
    r.quoted = ack.quoted;
    if (auto p = pending_.find(id); p != pending_.end()) {
      pending = p->second;
      pending_.erase(p);
    }
  }
  // Before the client hears "accepted": a gateway that restarts after it follows the request.
  if (keep && journal_)
    if (auto k = journal_->keep(*keep); !k)
      logging::logger("gateway")->warn("{}; a restart of this gateway will not follow it",
                                       k.error().message);
  if (pending && !pending->done) {
    pending->done = true;
    pending->answered(ack);
  }
}

void RequestBook::push_event(RequestRecord& r, std::string text,
                             std::vector<std::function<void()>>& wake) {
  r.events.push_back(std::move(text));
  ++counters_.events;
  const std::uint64_t last = r.events.size();
  const bool finished = r.finished();
  auto [begin, end] = waiters_.equal_range(r.id);
  for (auto it = begin; it != end;) {
    if (it->second.from < last) {
      EventBatch batch;
      for (std::uint64_t i = it->second.from; i < last; ++i)
        batch.emplace_back(r.first_event_id + i, r.events[i]);
      wake.push_back([deliver = std::move(it->second.deliver), batch = std::move(batch),
                      finished]() mutable { deliver(std::move(batch), finished); });
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

void RequestBook::on_event(const std::string& id, const protocol::ClientEvent& e) {
  std::vector<std::function<void()>> wake;
  std::optional<std::uint32_t> receipt_to_make;
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    auto& r = *it->second;
    const bool job = e.index != protocol::kAllJobs && e.index < r.jobs.size();
    switch (e.kind) {
      case EventKind::queued:
        r.queue_position = e.position;
        break;
      case EventKind::assigned:
        break;
      case EventKind::started:
        if (job) {
          r.jobs[e.index] = JobState::processing;
          r.job_started[e.index] = std::chrono::steady_clock::now();
          r.steps_done[e.index] = 0;
        }
        r.queue_position = 0;
        break;
      case EventKind::progress:
        if (job) {
          if (r.jobs[e.index] != JobState::processing) {
            r.jobs[e.index] = JobState::processing;
            r.job_started[e.index] = std::chrono::steady_clock::now();
          }
          r.steps_done[e.index] = e.step;
        }
        break;
      case EventKind::retry:
        ++r.retries;
        if (job) {
          r.jobs[e.index] = JobState::waiting;
          r.steps_done[e.index] = 0;
        }
        break;
      case EventKind::failed:
        if (job) r.jobs[e.index] = JobState::failed;
        ++counters_.jobs_failed;
        break;
      case EventKind::cancelled:
        if (job) r.jobs[e.index] = JobState::cancelled;
        break;
      case EventKind::result: {
        if (!job) break;
        r.jobs[e.index] = JobState::done;
        r.steps_done[e.index] = r.request.steps;
        ImageRecord image;
        image.image_id = r.id + "-" + std::to_string(e.index);
        image.index = e.index;
        image.seed = r.request.seed + e.index;
        image.worker = e.worker.hex();
        image.width = e.width;
        image.height = e.height;
        image.pixels = e.pixels;
        image.output_hash = to_hex(e.output_hash);
        image.determinism_class = e.determinism_class;
        image.audit = e.audit;
        // The event goes out first; the receipt (a signature check and JSON of the final latent)
        // is made below, once the lock is let go, or by the first reader before that.
        image.unmade_receipt = std::make_shared<const protocol::ClientEvent>(e);
        r.images[e.index] = std::move(image);
        receipt_to_make = e.index;
        ++counters_.images_delivered;
        ++counters_.audits[e.audit.empty() ? "unknown" : e.audit];
        break;
      }
      case EventKind::paid:
        if (auto im = r.images.find(e.index); im != r.images.end()) im->second.money = e.receipt;
        break;
      case EventKind::completed:
        r.phase = Phase::completed;
        r.completed = e;
        ++counters_.requests_completed;
        if (e.cancelled > 0) ++counters_.requests_cancelled;
        break;
    }
    push_event(r, json::serialize(event_json(r, e)), wake);
    if (r.finished()) retain(r);
  }
  for (auto& w : wake) w();
  if (!receipt_to_make) return;
  std::lock_guard lock(mutex_);
  if (auto it = requests_.find(id); it != requests_.end())
    if (auto im = it->second->images.find(*receipt_to_make); im != it->second->images.end())
      make_receipt(it->second->request, im->second);
}

void RequestBook::on_finish(const std::string& id, const client::SessionOutcome& outcome) {
  std::shared_ptr<Pending> pending;
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    auto& r = *it->second;
    if (!outcome.reply.ok()) {
      r.refuse(outcome.reply);
      ++counters_.requests_refused;
      protocol::ClientEvent e;
      e.kind = EventKind::failed;
      e.request_id = id;
      e.code = outcome.reply.code;
      e.reason = outcome.reply.reason;
      push_event(r, json::serialize(event_json(r, e)), wake);
      retain(r);
    }
    if (auto p = pending_.find(id); p != pending_.end()) {
      pending = p->second;
      pending_.erase(p);
    }
  }
  // A resumed request the coordinator no longer knows (it let it go) is not followed again.
  if (!outcome.reply.ok() && journal_)
    if (auto f = journal_->forget(id); !f)
      logging::logger("gateway")->warn("{}", f.error().message);
  for (auto& w : wake) w();
  if (pending && !pending->done) {
    pending->done = true;
    if (outcome.reply.ok())
      pending->answered(outcome.ack);
    else
      pending->answered(std::unexpected(protocol::error_of(outcome.reply)));
  }
}

bool RequestBook::read(const std::string& id, const std::string& owner,
                       const std::function<void(const RequestRecord&)>& read) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end() || it->second->owner != owner) return false;
  for (const auto& [index, image] : it->second->images) make_receipt(it->second->request, image);
  read(*it->second);
  return true;
}

bool RequestBook::read_by_id(const std::string& id,
                             const std::function<void(const RequestRecord&)>& read) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return false;
  read(*it->second);
  return true;
}

std::optional<ImageRecord> RequestBook::image(const std::string& image_id,
                                              const std::string& owner) const {
  const auto dash = image_id.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  const std::string id = image_id.substr(0, dash);
  std::uint32_t index = 0;
  try {
    index = static_cast<std::uint32_t>(std::stoul(image_id.substr(dash + 1)));
  } catch (...) {
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end() || it->second->owner != owner) return std::nullopt;
  auto im = it->second->images.find(index);
  if (im == it->second->images.end()) return std::nullopt;
  make_receipt(it->second->request, im->second);
  return im->second;
}

bool RequestBook::cancel(const std::string& id, const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end() || it->second->owner != owner) return false;
  auto& r = *it->second;
  if (!r.finished() && r.session) {
    r.cancel_requested = true;
    r.session->cancel();
  }
  return true;
}

std::string RequestBook::owner_of(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  return it == requests_.end() ? std::string() : it->second->owner;
}

std::vector<std::string> RequestBook::list(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::int64_t, std::string>> mine;
  for (const auto& [id, r] : requests_)
    if (r->owner == owner) mine.emplace_back(r->created_unix, id);
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::vector<std::string> out;
  for (auto& [t, id] : mine) out.push_back(std::move(id));
  return out;
}

bool RequestBook::events_after(const std::string& id, const std::string& owner, std::uint64_t after,
                               std::chrono::milliseconds wait,
                               std::function<void(EventBatch, bool)> deliver) {
  EventBatch batch;
  bool finished = false;
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    if (it == requests_.end() || it->second->owner != owner) return false;
    const auto& r = *it->second;
    finished = r.finished();
    const std::uint64_t from = r.resume_position(after);
    if (from >= r.events.size() && !finished) {
      waiters_.emplace(id,
                       Waiter{from, std::chrono::steady_clock::now() + wait, std::move(deliver)});
      return true;
    }
    for (std::uint64_t i = from; i < r.events.size(); ++i)
      batch.emplace_back(r.first_event_id + i, r.events[i]);
  }
  deliver(std::move(batch), finished);
  return true;
}

BookCounters RequestBook::counters() const {
  std::lock_guard lock(mutex_);
  BookCounters c = counters_;
  c.active = 0;
  for (const auto& [id, r] : requests_) c.active += !r->finished();
  return c;
}

void RequestBook::housekeeping() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) break;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::function<void()>> wake;
    // Submissions the coordinator did not answer: cancelled (a late acceptance is refunded).
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto r = requests_.find(it->first);
      if (r != requests_.end() && now - r->second->submitted_at > submit_timeout_) {
        auto pending = it->second;
        r->second->refuse(protocol::refuse(protocol::ErrorCode::treasury_unavailable,
                                           "the coordinator did not answer within " +
                                               std::to_string(submit_timeout_.count()) + " ms"));
        if (r->second->session) r->second->session->cancel();
        ++counters_.requests_refused;
        retain(*r->second);
        wake.push_back([pending, refusal = r->second->refusal] {
          if (pending->done) return;
          pending->done = true;
          pending->answered(std::unexpected(protocol::error_of(refusal)));
        });
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    // Event waiters whose wait passed get an empty batch (SSE sends a keep-alive comment).
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.until <= now) {
        wake.push_back([deliver = std::move(it->second.deliver)]() mutable { deliver({}, false); });
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    // Finished requests past their time or over the memory bound: out of the book, and their
    // sessions stopped outside the lock (a session's callbacks take it).
    std::vector<std::unique_ptr<RequestRecord>> forgotten;
    for (const auto& id : retention_.due(now)) {
      if (auto it = requests_.find(id); it != requests_.end()) {
        forgotten.push_back(std::move(it->second));
        requests_.erase(it);
      }
    }
    lock.unlock();
    for (auto& w : wake) w();
    for (const auto& r : forgotten)
      if (journal_)
        if (auto f = journal_->forget(r->id); !f)
          logging::logger("gateway")->warn("{}", f.error().message);
    forgotten.clear();
    lock.lock();
  }
}

void RequestBook::make_receipt(const protocol::GenerateRequest& request,
                               const ImageRecord& image) {
  if (!image.unmade_receipt) return;
  image.receipt_json = receipt_json_of(request, *image.unmade_receipt);
  image.unmade_receipt.reset();
  if (image.receipt_json.empty()) return;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(image.receipt_json, ec);
  if (!ec) image.receipt = std::make_shared<const boost::json::value>(std::move(parsed));
}

void RequestBook::retain(const RequestRecord& r) {
  for (const auto& [index, image] : r.images) make_receipt(r.request, image);
  // What the record holds, roughly: pixels, receipts (text, parsed, and in the cached status
  // answer), events, WebP copies (kept, and in the cached answer when inline).
  std::uint64_t bytes = 1024;
  for (const auto& e : r.events) bytes += e.size();
  for (const auto& [index, image] : r.images) {
    bytes += image.pixels.size() + 3 * image.receipt_json.size();
    if (image.webp_base64) bytes += 2 * image.webp_base64->size();
  }
  retention_.finished(r.id, r.owner, std::chrono::steady_clock::now(), bytes);
}

void RequestBook::keep_webp(const std::string& image_id,
                            std::shared_ptr<const std::string> webp_base64) {
  const auto dash = image_id.rfind('-');
  if (dash == std::string::npos || !webp_base64) return;
  const std::string id = image_id.substr(0, dash);
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  for (auto& [index, image] : it->second->images) {
    if (image.image_id != image_id || image.webp_base64) continue;
    retention_.grew(id, 2 * webp_base64->size());  // kept, and in the cached status answer
    image.webp_base64 = std::move(webp_base64);
    return;
  }
}

std::optional<std::string> RequestBook::forgotten(const std::string& id,
                                                  const std::string& owner) const {
  std::lock_guard lock(mutex_);
  return retention_.forgotten(id, owner);
}

}  // namespace seedgrid::gateway
