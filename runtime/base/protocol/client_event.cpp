#include "runtime/base/protocol/client_event.hpp"

namespace seedgrid::protocol {

std::string_view event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::queued:
      return "queued";
    case EventKind::assigned:
      return "assigned";
    case EventKind::started:
      return "started";
    case EventKind::progress:
      return "progress";
    case EventKind::result:
      return "result";
    case EventKind::retry:
      return "retry";
    case EventKind::failed:
      return "failed";
    case EventKind::completed:
      return "completed";
    case EventKind::cancelled:
      return "cancelled";
    case EventKind::paid:
      return "paid";
  }
  return "unknown";
}

std::string describe(const ClientEvent& e) {
  std::string out = e.request_id;
  if (e.index != kAllJobs) {
    out.push_back('/');
    out.append(std::to_string(e.index));
  }
  out.push_back(' ');
  out += event_kind_name(e.kind);
  const std::string worker = e.worker.hex().substr(0, 12);
  switch (e.kind) {
    case EventKind::queued:
      out += " (" + std::to_string(e.position) + " jobs ahead)";
      break;
    case EventKind::assigned:
    case EventKind::started:
      out += " worker " + worker + " attempt " + std::to_string(e.attempt);
      break;
    case EventKind::progress:
      out += " step " + std::to_string(e.step) + "/" + std::to_string(e.steps);
      break;
    case EventKind::result:
      out += " worker " + worker + " hash " + to_hex(e.output_hash).substr(0, 16) + " audit " +
             e.audit;
      break;
    case EventKind::paid:
      out += " charged " + std::to_string(e.receipt.charged) + " worker paid " +
             std::to_string(e.receipt.worker_paid) + " (" + e.receipt.reference + ")";
      break;
    case EventKind::retry:
    case EventKind::failed:
    case EventKind::cancelled:
      out += " attempt " + std::to_string(e.attempt) + " " + std::string(error_code_name(e.code)) +
             " (" + std::to_string(static_cast<unsigned>(e.code)) + "): " + e.reason;
      break;
    case EventKind::completed:
      out += " delivered " + std::to_string(e.delivered) + " failed " + std::to_string(e.failed) +
             " cancelled " + std::to_string(e.cancelled) + " charged " +
             std::to_string(e.total_charged) + " refunded " + std::to_string(e.refunded);
      break;
  }
  return out;
}

}  // namespace seedgrid::protocol
