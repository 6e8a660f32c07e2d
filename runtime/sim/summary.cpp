#include "runtime/sim/summary.hpp"

#include <cstdio>

namespace seedgrid::sim {

namespace {

std::string printf_text(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

std::string units(std::int64_t micros) { return printf_text("%.6f", double(micros) / 1e6); }

}  // namespace

std::string format_summary(const Summary& s) {
  std::string t;
  t += printf_text("scenario %s, seed %llu: %u workers, %u validators\n", s.scenario.c_str(),
                   static_cast<unsigned long long>(s.seed), s.workers, s.validators);
  t += printf_text(
      "requests %llu (%llu refused), jobs %llu: %llu delivered, %llu failed, %llu cancelled; "
      "%llu retries, %llu worker crashes, %llu cut off by partitions, %llu left for good\n",
      (unsigned long long)s.requests, (unsigned long long)s.requests_refused,
      (unsigned long long)s.jobs, (unsigned long long)s.delivered, (unsigned long long)s.failed,
      (unsigned long long)s.cancelled, (unsigned long long)s.retries, (unsigned long long)s.crashes,
      (unsigned long long)s.disconnects, (unsigned long long)s.departures);
  t +=
      printf_text("makespan %.3f s, worker utilisation %.1f %%, queue wait p50 %.3f s p99 %.3f s\n",
                  double(s.makespan_ms) / 1000.0, 100.0 * s.utilisation,
                  double(s.queue_wait_p50_ms) / 1000.0, double(s.queue_wait_p99_ms) / 1000.0);
  t += printf_text(
      "%.3f requests/s, %.3f images/s; %llu audits, audit cost %.1f %% of render time\n",
      s.requests_per_s, s.images_per_s, (unsigned long long)s.audits, 100.0 * s.audit_cost_share);
  if (!s.batches.empty()) {
    t += "batches (images, tier, requests: rendered / delivered, reference):\n";
    for (const auto& b : s.batches) {
      const double rendered = double(b.rendered_ms - b.submitted_ms) / 1000.0;
      const double delivered = double(b.delivered_ms - b.submitted_ms) / 1000.0;
      t += printf_text("  %8llu %-7s %6u: %10.3f s / %10.3f s", (unsigned long long)b.images,
                       b.tier.c_str(), b.requests, rendered, delivered);
      if (b.expect_s > 0)
        t += printf_text(", reference %.0f s (rendered %+.2f %%)", b.expect_s,
                         100.0 * (rendered - b.expect_s) / b.expect_s);
      t += "\n";
    }
  }
  if (s.groups.size() > 1) {
    t += "worker groups (workers: results accepted, utilisation):\n";
    for (const auto& g : s.groups)
      t += printf_text("  %-12s %6u: %10llu, %5.1f %%\n", g.name.c_str(), g.workers,
                       (unsigned long long)g.results, 100.0 * g.utilisation);
  }
  if (!s.cheaters.empty()) {
    t += "cheaters (kind, detection per audit: cheats accepted before the blacklist, bound):\n";
    for (const auto& c : s.cheaters) {
      t += printf_text("  %s %-20s %.2f: %llu cheats, bound %llu, ", c.worker.c_str(),
                       c.kind.c_str(), c.detection, (unsigned long long)c.cheats,
                       (unsigned long long)c.bound);
      t += c.caught_ms < 0 ? std::string("not blacklisted\n")
                           : printf_text("blacklisted at %.3f s\n", double(c.caught_ms) / 1000.0);
    }
  }
  if (s.coordinators.size() > 1 || s.busy_refusals > 0 ||
      (!s.coordinators.empty() && s.coordinators.front().busy > 0)) {
    t += printf_text(
        "coordinators (requests owned, messages handled, thread busy): %llu jobs refused by busy "
        "workers\n",
        (unsigned long long)s.busy_refusals);
    for (std::size_t c = 0; c < s.coordinators.size(); ++c)
      t += printf_text("  %2zu: %8llu requests, %10llu messages, %5.1f %% busy\n", c,
                       (unsigned long long)s.coordinators[c].requests,
                       (unsigned long long)s.coordinators[c].calls, 100.0 * s.coordinators[c].busy);
  }
  if (s.validator_cuts > 0)
    t += printf_text("validators cut off by partitions: %llu\n",
                     (unsigned long long)s.validator_cuts);
  if (s.treasury_cuts > 0)
    t += printf_text(
        "treasury cut off %llu times: %llu ledger orders or receipts lost and re-sent\n",
        (unsigned long long)s.treasury_cuts, (unsigned long long)s.orders_lost);
  const auto& m = s.money;
  t += "money (credits): deposited " + units(m.deposited) + ", held " + units(m.held) +
       ", to workers " + units(m.worker_paid) + ", to creators " + units(m.creator_paid) +
       ", platform fee " + units(m.platform_fee) + ", burned " + units(m.burned) +
       ", back to payers " + units(m.refunded) + "\n";
  t += "stake (tokens): slashed " + units(m.tokens_slashed) + ", validator bounties " +
       units(m.validator_bounty) + "\n";
  t += printf_text("%llu events, invariants checked %llu times, all held\n",
                   (unsigned long long)s.events, (unsigned long long)s.invariant_checks);
  return t;
}

}  // namespace seedgrid::sim
