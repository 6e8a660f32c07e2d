#include "runtime/gateway/metrics.hpp"

#include <cstdio>

namespace seedgrid::gateway {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

namespace {
void line(std::string& out, const std::string& name, const std::string& labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " ";
  out += buf;
  out += "\n";
}
void help(std::string& out, const char* name, const char* type, const char* text) {
  out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
}
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string Metrics::render(const BookCounters& book, const NetworkSnapshot& network,
                            std::uint64_t ledger_head, std::uint32_t open_connections,
                            std::size_t task_scripts) const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    help(out, "seedgrid_gateway_http_requests_total", "counter",
         "HTTP requests by route and status");
    for (const auto& [key, n] : requests_)
      line(out, "seedgrid_gateway_http_requests_total",
           "route=" + quoted(key.first) + ",status=\"" + std::to_string(key.second) + "\"", n);
    help(out, "seedgrid_gateway_http_request_seconds", "histogram",
         "Time from a request's last byte to its answer, by route");
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", kBuckets[i]);
        line(out, "seedgrid_gateway_http_request_seconds_bucket",
             "route=" + quoted(route) + ",le=\"" + le + "\"", h.counts[i]);
      }
      line(out, "seedgrid_gateway_http_request_seconds_bucket",
           "route=" + quoted(route) + ",le=\"+Inf\"", h.count);
      line(out, "seedgrid_gateway_http_request_seconds_sum", "route=" + quoted(route), h.sum);
      line(out, "seedgrid_gateway_http_request_seconds_count", "route=" + quoted(route), h.count);
    }
  }
  help(out, "seedgrid_gateway_open_connections", "gauge", "Open HTTP connections");
  line(out, "seedgrid_gateway_open_connections", "", open_connections);
  help(out, "seedgrid_gateway_requests_total", "counter",
       "Requests submitted through this gateway, by outcome");
  line(out, "seedgrid_gateway_requests_total", "state=\"submitted\"", book.requests_submitted);
  line(out, "seedgrid_gateway_requests_total", "state=\"refused\"", book.requests_refused);
  line(out, "seedgrid_gateway_requests_total", "state=\"completed\"", book.requests_completed);
  line(out, "seedgrid_gateway_requests_total", "state=\"cancelled\"", book.requests_cancelled);
  help(out, "seedgrid_gateway_requests_active", "gauge", "Requests of this gateway not finished");
  line(out, "seedgrid_gateway_requests_active", "", book.active);
  help(out, "seedgrid_gateway_images_delivered_total", "counter", "Images delivered");
  line(out, "seedgrid_gateway_images_delivered_total", "", book.images_delivered);
  help(out, "seedgrid_gateway_audits_total", "counter", "Delivered images by audit outcome");
  for (const auto& [outcome, n] : book.audits)
    line(out, "seedgrid_gateway_audits_total", "outcome=" + quoted(outcome), n);
  help(out, "seedgrid_gateway_task_scripts", "gauge",
       "Task scripts this gateway holds to quote scripted task types");
  line(out, "seedgrid_gateway_task_scripts", "", task_scripts);
  help(out, "seedgrid_ledger_head_seq", "gauge", "Sequence number of the ledger's head entry");
  line(out, "seedgrid_ledger_head_seq", "", ledger_head);
  if (network.report) {
    const auto& r = *network.report;
    help(out, "seedgrid_requests_active", "gauge", "Requests the coordinator holds open");
    line(out, "seedgrid_requests_active", "", r.requests_active);
    help(out, "seedgrid_jobs", "gauge", "Jobs by state (delivered and failed: since start)");
    line(out, "seedgrid_jobs", "state=\"queued\"", r.jobs_queued);
    line(out, "seedgrid_jobs", "state=\"running\"", r.jobs_running);
    line(out, "seedgrid_jobs", "state=\"delivered\"", static_cast<double>(r.jobs_delivered));
    line(out, "seedgrid_jobs", "state=\"failed\"", static_cast<double>(r.jobs_failed));
    help(out, "seedgrid_queue_depth", "gauge", "Jobs waiting for a worker");
    line(out, "seedgrid_queue_depth", "", r.jobs_queued);
    help(out, "seedgrid_node_reputation", "gauge", "Reputation score of each node, 0..1");
    help(out, "seedgrid_worker_pixel_steps_per_second", "gauge", "Measured speed of each worker");
    help(out, "seedgrid_node_audits_total", "counter", "Audits of each worker by outcome");
    for (const auto& n : r.nodes) {
      const std::string labels = "node=\"" + n.node.hex().substr(0, 16) + "\",role=\"" +
                                 std::string(protocol::role_name(n.role)) + "\"";
      line(out, "seedgrid_node_reputation", labels, n.reputation);
      line(out, "seedgrid_node_connected", labels, n.connected);
      if (n.role != protocol::Role::worker) continue;
      line(out, "seedgrid_worker_pixel_steps_per_second", labels,
           static_cast<double>(n.capabilities.pixel_steps_per_second));
      line(out, "seedgrid_node_audits_total", labels + ",outcome=\"passed\"",
           static_cast<double>(n.audits_passed));
      line(out, "seedgrid_node_audits_total", labels + ",outcome=\"failed\"",
           static_cast<double>(n.audits_failed));
    }
  }
  return out;
}

}  // namespace seedgrid::gateway
