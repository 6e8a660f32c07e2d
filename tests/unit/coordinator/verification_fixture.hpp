#pragma once
// CoreFixture with validators: audited jobs, verdicts signed by hand, slashes counted in the
// ledger.
#include "tests/unit/coordinator/core_fixture.hpp"

#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator::testing {

class VerificationTest : public CoreFixture {
 protected:
  void SetUp() override {
    CoreFixture::SetUp();
    policy_.audit.rate = 1.0;
    policy_.audit.step_audits = 2;
    policy_.audit.full_rate = 0.0;
  }

  protocol::Capabilities validator_caps(const std::string& cls) const {
    auto c = worker_caps();
    c.determinism_class = cls;
    return c;
  }

  // Delivers the one job of a fresh request from w1 (the only worker yet) and returns its audit.
  SendAudit audited_job(const std::string& request_id) {
    EXPECT_TRUE(submit(request(request_id, 1)).outcome.ok());
    auto jobs = take_jobs();
    EXPECT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].worker, w1_.public_key());
    EXPECT_TRUE(deliver(jobs[0], w1_, /*wrong=*/false).ok());
    EXPECT_FALSE(audits_.empty());
    return audits_.back();
  }

  protocol::Verdict verdict(const protocol::AuditTask& task, protocol::AuditOutcome outcome,
                            const Identity& by) const {
    protocol::Verdict v = protocol::verdict_on(task);
    v.outcome = outcome;
    v.purpose = task.purpose;
    v.detail = std::string(protocol::audit_outcome_name(outcome));
    protocol::AuditEvidence e;
    e.kind = verify::AuditKind::step;
    e.outcome = outcome == protocol::AuditOutcome::fail   ? protocol::FindingOutcome::fail
                : outcome == protocol::AuditOutcome::grey ? protocol::FindingOutcome::grey
                                                          : protocol::FindingOutcome::pass;
    e.step = 3;
    v.evidence.push_back(e);
    protocol::sign_verdict(v, by);
    return v;
  }

  protocol::Reply judge(const protocol::Verdict& v, const Identity& by) {
    Outbox out;
    auto reply = core_->on_verdict(by.public_key(), v, now_, out);
    pump(out);
    return reply;
  }

  std::size_t slashes_of(const std::string& account) const {
    auto history = ledger_->history("", 100'000);
    std::size_t n = 0;
    if (history)
      for (const auto& e : *history)
        n += e.op == "slash" && e.request.find(account) != std::string::npos;
    return n;
  }

  Identity validator2_ = Identity::from_seed({32});
};

}  // namespace seedgrid::coordinator::testing
