#pragma once
// What a client hears about its request, in order per job:
//   queued (position: jobs ahead of this request) -> assigned (worker) -> started ->
//   progress (step k of n)... -> result (image and the worker's signed commitment) -> paid (what
//   the settlement charged, once the treasury answers; a ledger that refused it says why)
// with retry (attempt, reason) when a job is re-run, failed (code, reason) when a job or the whole
// request fails, cancelled when a job stops on the client's cancel, and one completed per request
// once every job is delivered, failed or cancelled. Events for a job carry its index; request-wide
// events (queued, completed, a refused request's failed) carry index kAllJobs.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::protocol {

enum class EventKind : std::uint8_t {
  queued = 0,
  assigned = 1,
  started = 2,
  progress = 3,
  result = 4,
  retry = 5,
  failed = 6,
  completed = 7,
  cancelled = 8,
  // A delivered job's payment, settled after its result went out: the image reaches the client
  // once it is durable in the journal, not after the treasury's round trip.
  paid = 9,
};
std::string_view event_kind_name(EventKind k);

inline constexpr std::uint32_t kAllJobs = 0xffffffffu;

// Money moved for one job, in ledger micro-units.
struct PaymentReceipt {
  std::int64_t charged = 0;  // taken from the payer's hold for this job
  std::int64_t worker_paid = 0;
  std::int64_t creator_paid = 0;  // model-creator royalty
  std::int64_t platform_fee = 0;
  std::int64_t burned = 0;
  std::string reference;  // the ledger's idempotency key for the settlement
};

struct ClientEvent {
  EventKind kind = EventKind::queued;
  std::string request_id;
  std::uint32_t index = kAllJobs;
  std::uint32_t attempt = 0;
  PublicKey worker;
  std::uint32_t position = 0;  // queued
  std::uint32_t step = 0;      // progress
  std::uint32_t steps = 0;
  ErrorCode code = ErrorCode::ok;  // failed, retry, cancelled
  std::string reason;
  // result
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> pixels;
  Digest output_hash{};
  std::string determinism_class;
  std::uint64_t render_ms = 0;  // as the worker measured it (its whole batch)
  std::string audit;            // "passed", "not sampled", "no validator", "timed out"
  PaymentReceipt receipt;       // paid (and a cancelled job's paid steps)
  // The worker's signed result (pixels left out: they are above), so the client can keep a
  // verifiable receipt (runtime/base/verify/receipt.hpp). Absent (null) after a coordinator
  // restart. Shared with the coordinator's own copy rather than copied: it is ~600 bytes in seven
  // buffers, and an event is built for every job delivered.
  std::shared_ptr<const JobResult> commitment;
  // A scripted job's: the script and the passes the coordinator priced, which its spec (so the
  // commitment's spec hash) holds beside the request's fields.
  std::string task_script;
  std::vector<TaskPass> passes;
  // completed
  std::uint32_t delivered = 0;
  std::uint32_t failed = 0;
  std::uint32_t cancelled = 0;
  std::int64_t total_charged = 0;
  std::int64_t refunded = 0;  // released from the hold back to the payer
};

// One line for people (progress bars and logs); never includes the prompt or the pixels.
std::string describe(const ClientEvent& e);

}  // namespace seedgrid::protocol
