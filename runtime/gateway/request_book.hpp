#pragma once
// Every request the gateway submitted for its users: the signed request, its owner, what the
// coordinator said of it (acknowledgement or refusal, queue position, each job's state and steps,
// each delivered image with its receipt), and its events as numbered JSON texts (event ids count
// from 1), so a client that reconnects with Last-Event-ID gets exactly what it missed.
//
// The book runs one client::GenerateSession per request, with the user's signing key: the gateway
// is a client of the coordinator like `seedgrid generate`. A submission that gets no answer within
// `submit_timeout` is cancelled and reported as such. Finished requests are kept as long as
// `Retention` allows (gateway.keep_finished_s, gateway.max_kept_megabytes), then forgotten.
// With a RequestJournal, what an accepted request needs to be followed again is kept on disk until
// then, and `resume` follows each again after a restart: the coordinator re-sends its images and
// its completion. The events before the restart are not kept; the resumed stream numbers its
// events above any id of an earlier start, so a client resuming with an id from before (a browser's
// EventSource does so by itself) gets the whole new stream instead of waiting past its end.
#include <caf/fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "config/node_config.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/gateway/request_journal.hpp"
#include "runtime/gateway/retention.hpp"

namespace boost::json {
class value;
}

namespace seedgrid::gateway {

enum class JobState { waiting, processing, done, failed, cancelled };

struct ImageRecord {
  std::string image_id;  // "<request id>-<index>"
  std::uint32_t index = 0;
  std::uint64_t seed = 0;
  std::string worker;  // node id (hex)
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> pixels;  // RGB
  std::string output_hash;
  std::string determinism_class;
  std::string audit;  // "passed", "not sampled", ...
  protocol::PaymentReceipt money;
  // The verifiable receipt (verify/receipt.hpp; empty without one) and the same parsed once, for
  // the routes that embed it (a Horde client polls status often). Both are made from the result
  // event after the event has gone out to the client (`unmade_receipt` holds it until then); the
  // book makes them before anyone reads the image, so no reader sees one missing.
  mutable std::string receipt_json;
  mutable std::shared_ptr<const boost::json::value> receipt;
  mutable std::shared_ptr<const protocol::ClientEvent> unmade_receipt;
  // base64 WebP, made once on first demand (a Horde client with r2 false polls status often)
  std::shared_ptr<const std::string> webp_base64;
};

enum class Phase { submitting, accepted, refused, completed };

struct RequestRecord {
  std::string id;
  std::string owner;
  protocol::GenerateRequest request;
  std::string model_name;
  std::map<std::string, std::string> labels;  // the front door's own notes (Horde's r2, ...)
  std::int64_t created_unix = 0;
  Phase phase = Phase::submitting;
  protocol::Reply refusal;
  std::int64_t quoted = 0;
  std::uint32_t queue_position = 0;
  std::uint32_t retries = 0;
  bool cancel_requested = false;
  std::vector<JobState> jobs;
  std::vector<std::uint32_t> steps_done;
  std::vector<std::chrono::steady_clock::time_point> job_started;
  std::map<std::uint32_t, ImageRecord> images;
  protocol::ClientEvent completed;  // when phase is completed
  std::vector<std::string> events;  // JSON, event id = first_event_id + position
  std::uint64_t first_event_id = 1;
  // Where a client that last saw event `last_seen` goes on (a position in `events`); an id below
  // this stream's first (from before a restart) starts it from the beginning.
  std::uint64_t resume_position(std::uint64_t last_seen) const {
    return last_seen < first_event_id ? 0 : last_seen - first_event_id + 1;
  }
  std::chrono::steady_clock::time_point submitted_at;
  std::unique_ptr<client::GenerateSession> session;
  // A finished request's last Horde status answer and what it was made from (answer_key); pollers
  // ask for it many times a second and it changes only with an event, an inline image or the host
  // a client names. Written under the book's lock by RequestBook::read's callers.
  mutable std::string answer_key;
  mutable std::string answer_body;

  bool finished() const { return phase == Phase::refused || phase == Phase::completed; }
  // Refused: nothing ran, so no job state is kept (a refused count of 100,000 kept as many
  // "waiting" jobs in every listing of its owner's requests).
  void refuse(protocol::Reply why) {
    phase = Phase::refused;
    refusal = std::move(why);
    jobs.clear();
    steps_done.clear();
    job_started.clear();
  }
  // Seconds until the last job should finish, from the steps done so far (0 when unknown).
  std::uint32_t eta_seconds() const;
};

struct BookCounters {
  std::uint64_t requests_submitted = 0;
  std::uint64_t requests_refused = 0;
  std::uint64_t requests_completed = 0;
  std::uint64_t requests_cancelled = 0;
  std::uint64_t images_delivered = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t events = 0;
  std::map<std::string, std::uint64_t> audits;  // by outcome
  std::uint32_t active = 0;
};

using EventBatch = std::vector<std::pair<std::uint64_t, std::string>>;  // (event id, JSON)

class RequestBook {
 public:
  // `coordinator`: an actor of this process, or null to link to `endpoint`.
  RequestBook(caf::actor_system& system, const caf::actor* coordinator, config::Endpoint endpoint,
              config::NetworkSection network, std::chrono::milliseconds submit_timeout,
              RetentionLimits retention = {}, std::unique_ptr<RequestJournal> journal = nullptr);
  ~RequestBook();

  // Submits a signed request for `owner`; `answered` runs once with the acknowledgement, or with
  // the refusal (nothing charged; its protocol::ErrorCode is in the error), from another thread.
  using Answered = std::function<void(const Result<protocol::SubmitAck>&)>;
  void submit(protocol::GenerateRequest request, const std::string& owner,
              std::shared_ptr<const Identity> key, std::string model_name, Answered answered,
              std::map<std::string, std::string> labels = {});

  // Follows again the requests the journal kept (a restart), each with its owner's signing key
  // (`key_of`; none: the owner is gone, and so is the request). Returns how many.
  using KeyOf = std::function<std::shared_ptr<const Identity>(const std::string& owner)>;
  Result<std::size_t> resume(const KeyOf& key_of);

  // Runs `read` on the request under the book's lock; false when there is no such request of
  // `owner` (another user's request is not there either).
  bool read(const std::string& id, const std::string& owner,
            const std::function<void(const RequestRecord&)>& read) const;
  // The same whoever owns it: for Horde's check, whose request id (random, returned only to the
  // submitter) is what a client polls with, without a key.
  bool read_by_id(const std::string& id,
                  const std::function<void(const RequestRecord&)>& read) const;
  // The image with its request's owner check; nothing when absent.
  std::optional<ImageRecord> image(const std::string& image_id, const std::string& owner) const;
  // Keeps the WebP made for an image with it (and counts it against the book's memory).
  void keep_webp(const std::string& image_id, std::shared_ptr<const std::string> webp_base64);
  // Why `owner`'s request is no longer in the book, when it expired; nothing otherwise.
  std::optional<std::string> forgotten(const std::string& id, const std::string& owner) const;
  // Asks the coordinator to cancel (done jobs stay paid, the rest is refunded).
  bool cancel(const std::string& id, const std::string& owner);
  // Who submitted the request (empty when unknown): for links that carry no key.
  std::string owner_of(const std::string& id) const;
  // The owner's request ids, newest first.
  std::vector<std::string> list(const std::string& owner) const;

  // Events after `after`: at once when there are some (or the request is finished), otherwise
  // when the next one comes or `wait` passes (an empty batch). False when there is no such request.
  bool events_after(const std::string& id, const std::string& owner, std::uint64_t after,
                    std::chrono::milliseconds wait,
                    std::function<void(EventBatch, bool finished)> deliver);

  BookCounters counters() const;

 private:
  struct Waiter {
    std::uint64_t from;  // a position in the record's events
    std::chrono::steady_clock::time_point until;
    std::function<void(EventBatch, bool)> deliver;
  };
  struct Pending {
    Answered answered;
    bool done = false;
  };
  // The session of request `id`: it submits the request, or attaches to a known one.
  using SessionStart = std::variant<protocol::GenerateRequest, client::GenerateSession::Resume>;
  void start_session(const std::string& id, SessionStart start,
                     std::shared_ptr<const Identity> key);
  void on_ack(const std::string& id, const protocol::SubmitAck& ack);
  void on_event(const std::string& id, const protocol::ClientEvent& e);
  void on_finish(const std::string& id, const client::SessionOutcome& outcome);
  // Under the lock: appends the event and collects the waiters it wakes.
  void push_event(RequestRecord& r, std::string json, std::vector<std::function<void()>>& wake);
  void housekeeping();
  // Under the lock: hands a finished request to the retention policy with what it holds.
  void retain(const RequestRecord& r);
  // Makes an image's receipt from its result event if that is still to do (under the lock).
  static void make_receipt(const protocol::GenerateRequest& request, const ImageRecord& image);

  // Session callbacks run on actor threads and may still be running while the book goes away:
  // each holds this and runs only while `alive` (the destructor clears it first).
  struct Alive {
    std::mutex mutex;
    bool alive = true;
  };
  std::shared_ptr<Alive> alive_ = std::make_shared<Alive>();

  caf::actor_system& system_;
  std::unique_ptr<caf::actor> coordinator_;
  config::Endpoint endpoint_;
  config::NetworkSection network_;
  std::chrono::milliseconds submit_timeout_;
  std::unique_ptr<RequestJournal> journal_;  // may be null (nothing kept)

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<RequestRecord>> requests_;
  std::map<std::string, std::shared_ptr<Pending>> pending_;
  std::multimap<std::string, Waiter> waiters_;
  BookCounters counters_;
  Retention retention_;

  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread housekeeper_;
};

}  // namespace seedgrid::gateway
