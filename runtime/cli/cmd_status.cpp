#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/node_id_option.hpp"

namespace seedgrid::cli {
namespace {

struct StatusOptions {
  std::string coordinator;
  std::string coordinator_key;
  bool insecure = false;
  int timeout_s = 10;
};

void print_report(const protocol::StatusReport& r) {
  std::printf("coordinator %s (%s), up %llus, treasury %s\n", r.coordinator.hex().c_str(),
              r.version.c_str(), static_cast<unsigned long long>(r.uptime_seconds),
              r.treasury_connected ? "connected" : "NOT connected");
  std::printf("requests active %u, jobs queued %u, running %u, delivered %llu, failed %llu\n",
              r.requests_active, r.jobs_queued, r.jobs_running,
              static_cast<unsigned long long>(r.jobs_delivered),
              static_cast<unsigned long long>(r.jobs_failed));
  std::printf("\nmodels:\n");
  for (const auto& m : r.models)
    std::printf("  %s  %-16s creator %-20s base %.1f render-s\n", m.model_id.c_str(),
                m.name.c_str(), m.creator.empty() ? "-" : m.creator.c_str(),
                m.base_render_milliseconds / 1000.0);
  // Scripted task types beside the built-in txt2img: the id is the SHA-256 of the script's bytes.
  if (!r.task_types.empty()) {
    std::printf("\ntask types (by script):\n");
    for (const auto& t : r.task_types)
      std::printf("  %-16s sha256 %s  %s\n", t.name.c_str(), t.script_id.c_str(),
                  t.description.c_str());
  }
  // The name as the node signed it into its registration ("-": known from the journal, not
  // registered since the coordinator restarted); as wide as the longest.
  int name_width = 4;
  for (const auto& n : r.nodes) name_width = std::max(name_width, static_cast<int>(n.name.size()));
  // The class last: validators compare bytes with workers of their own class only.
  std::printf("\n%-9s %-*s %-16s %-5s %-5s %-5s %5s  %5s %5s %5s %5s  %7s %8s %9s %13s %10s  %s\n",
              "role", name_width, "name", "node", "link", "list", "fast", "rep", "succ", "lat",
              "up", "audit", "flight", "done/fail", "audits ok/x", "pixel-steps/s", "audit rate",
              "determinism class");
  for (const auto& n : r.nodes) {
    char done[32], audits[32];
    std::snprintf(done, sizeof done, "%llu/%llu", static_cast<unsigned long long>(n.jobs_done),
                  static_cast<unsigned long long>(n.jobs_failed));
    std::snprintf(audits, sizeof audits, "%llu/%llu",
                  static_cast<unsigned long long>(n.audits_passed),
                  static_cast<unsigned long long>(n.audits_failed));
    // A worker's audit rate is adaptive (new and low-reputation workers are audited more).
    char rate[16] = "-";
    if (n.role == protocol::Role::worker) std::snprintf(rate, sizeof rate, "%.1f%%", n.audit_rate * 100);
    std::printf(
        "%-9s %-*s %-16s %-5s %-5s %-5s %5.3f  %5.2f %5.2f %5.2f %5.2f  %7u %9s %11s %13llu %10s  "
        "%s\n",
                std::string(protocol::role_name(n.role)).c_str(), name_width,
                n.name.empty() ? "-" : n.name.c_str(),
                n.node.hex().substr(0, 16).c_str(), n.connected ? "up" : "down",
                n.blacklisted ? "BLACK" : "ok", n.fast_tier ? "yes" : "no", n.reputation,
                n.success_score, n.latency_score, n.uptime_score, n.audit_score, n.inflight, done,
                audits, static_cast<unsigned long long>(n.capabilities.pixel_steps_per_second),
                rate, n.capabilities.determinism_class.c_str());
  }
  if (!r.nodes.empty())
    std::printf(
        "\nlink: connected now | list: ok, or BLACK (blacklisted) | rep = reputation from succ "
        "(success), lat (latency), up (uptime share), audit | `seedgrid status --help` explains "
        "every column\n");
}

int run_status(const StatusOptions& opts) {
  auto endpoint = config::parse_endpoint(opts.coordinator);
  if (!endpoint) {
    std::fprintf(stderr, "seedgrid status: --coordinator %s\n", endpoint.error().message.c_str());
    return 2;
  }
  (void)logging::configure("warn", "");
  config::NetworkSection network;
  network.insecure = opts.insecure;
  client::ClientSystem system(network);
  auto report = client::fetch_status(system.get(), *endpoint, std::chrono::seconds(opts.timeout_s),
                                     opts.coordinator_key);
  if (!report) {
    std::fprintf(stderr, "seedgrid status: %s\n", report.error().message.c_str());
    return 1;
  }
  print_report(*report);
  return 0;
}

const CommandRegistration status_command{
    "status", "Show a coordinator's workers, validators (reputation, load) and requests",
    [](CLI::App& app) -> CommandRun {
      app.footer(
          "Columns of the node table:\n"
          "  name         the node's configured name ($.node.name), signed into its registration "
          "(-: not registered since the coordinator restarted)\n"
          "  node         the first 16 hex digits of the node id (its public key); the ledger "
          "knows nodes by the full id only\n"
          "  link         up: connected to the coordinator now; down: not\n"
          "  list         ok, or BLACK: blacklisted (failed audits), given no work\n"
          "  fast         whether it serves the fast tier (needs the minimum stake)\n"
          "  rep          reputation 0..1, from succ, lat, up and audit below\n"
          "  succ         success: delivered jobs against failures it caused\n"
          "  lat          latency: render time against its advertised speed (1: as fast or "
          "faster)\n"
          "  up           uptime: share of the coordinator's samples that found it connected\n"
          "  audit        passed audits against failed ones\n"
          "  flight       jobs it is rendering now\n"
          "  done/fail    jobs delivered / failed\n"
          "  audits ok/x  audits passed / failed\n"
          "  audit rate   share of its results audited now (higher for new workers)");
      set_example(app, "seedgrid status --coordinator 127.0.0.1:7400");
      auto opts = std::make_shared<StatusOptions>();
      app.add_option("--coordinator", opts->coordinator, "HOST:PORT of the coordinator")
          ->required();
      app.add_option("--timeout", opts->timeout_s, "Seconds to wait for an answer");
      app.add_option("--coordinator-key", opts->coordinator_key,
                     "The coordinator's node id: a coordinator whose TLS certificate holds another "
                     "key is refused (default: any key)")
          ->check(node_id_problem, "NODE_ID");
      app.add_flag("--insecure", opts->insecure,
                   "Plain TCP instead of TLS, for a network whose nodes run network.insecure");
      return [opts] { return run_status(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
