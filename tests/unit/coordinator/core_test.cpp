#include <gtest/gtest.h>

#include <map>
#include <set>

#include "actors/treasury/settle_group.hpp"
#include "core_fixture.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::EventKind;

TEST_F(CoreFixture, RequestIsHeldSplitRoutedSettledAndReleased) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(w2_, protocol::Role::worker, worker_caps());
  const std::int64_t before = credits(payer_account());

  const auto ack = submit(request("r1", 6));
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  EXPECT_EQ(ack.jobs, 6u);
  EXPECT_GT(ack.quoted, 0);
  EXPECT_EQ(credits(payer_account()), before - ack.quoted);
  ASSERT_EQ(events_of(EventKind::queued).size(), 1u);

  // Several jobs in flight per worker, spread over both.
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 6u);
  std::set<PublicKey> used;
  std::set<std::uint64_t> seeds;
  for (const auto& j : jobs) {
    used.insert(j.worker);
    seeds.insert(j.job.spec.seed);
    EXPECT_EQ(j.job.attempt, 1u);
  }
  EXPECT_EQ(used.size(), 2u);
  EXPECT_EQ(seeds, (std::set<std::uint64_t>{100, 101, 102, 103, 104, 105}));

  for (const auto& j : jobs) {
    const Identity& w = j.worker == w1_.public_key() ? w1_ : w2_;
    ASSERT_TRUE(deliver(j, w).ok());
  }
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 6u);
  for (const auto& e : results) {
    EXPECT_EQ(e.pixels.size(), 64u * 64u * 3u);
    EXPECT_EQ(e.output_hash, protocol::output_hash_of(e.pixels));
    EXPECT_EQ(e.audit, "not sampled");
  }
  // Each image went out before its settlement; its payment follows it, once.
  std::int64_t charged = 0;
  std::set<std::uint32_t> imaged, paid;
  for (const auto& e : events_) {
    if (e.kind == EventKind::result) imaged.insert(e.index);
    if (e.kind != EventKind::paid) continue;
    EXPECT_TRUE(imaged.contains(e.index)) << "job " << e.index << " paid before its image went out";
    EXPECT_TRUE(paid.insert(e.index).second) << "job " << e.index << " paid twice";
    EXPECT_GT(e.receipt.worker_paid, 0);
    EXPECT_GT(e.receipt.creator_paid, 0);
    EXPECT_EQ(e.receipt.reference, "settle/" + protocol::job_id_of("r1", e.index) + "/1");
    charged += e.receipt.charged;
  }
  EXPECT_EQ(paid.size(), 6u);
  const auto done = events_of(EventKind::completed);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivered, 6u);
  EXPECT_EQ(done[0].total_charged, charged);
  EXPECT_EQ(charged + done[0].refunded, ack.quoted);
  EXPECT_EQ(credits(payer_account()), before - charged);
  EXPECT_GT(credits(worker_account(w1_.public_key())), 0);
  EXPECT_GT(credits(worker_account(w2_.public_key())), 0);
  EXPECT_EQ(core_->request("r1")->phase, RequestPhase::done);
  expect_conservation();
}

// A long-running coordinator keeps only its most recent done requests in memory, as a restart
// would; an older one's id stays taken (its record is in the journal).
TEST_F(CoreFixture, OnlyTheMostRecentDoneRequestsStayInMemoryAndTheirIdsStayTaken) {
  recent_done_requests_ = 2;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  for (const char* id : {"d1", "d2", "d3"}) {
    const auto ack = submit(request(id, 1));
    ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
    for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
  }
  ASSERT_EQ(events_of(EventKind::completed).size(), 3u);
  EXPECT_EQ(core_->request("d1"), nullptr) << "the oldest done request stayed in memory";
  ASSERT_NE(core_->request("d2"), nullptr);
  ASSERT_NE(core_->request("d3"), nullptr);
  EXPECT_EQ(core_->request("d3")->phase, RequestPhase::done);

  const auto again = submit(request("d1", 1));
  EXPECT_EQ(again.outcome.code, ErrorCode::duplicate_request);
  EXPECT_NE(again.outcome.reason.find("'d1' belongs to an earlier request"), std::string::npos)
      << again.outcome.reason;
  // A restart keeps the same ones, and the id that left memory stays taken.
  open_core();
  EXPECT_EQ(core_->request("d1"), nullptr);
  EXPECT_NE(core_->request("d2"), nullptr);
  EXPECT_NE(core_->request("d3"), nullptr);
  EXPECT_EQ(submit(request("d1", 1)).outcome.code, ErrorCode::duplicate_request);
  expect_conservation();
}

// Past the limit, the oldest done requests leave memory in a group (a sixteenth of the limit
// more is held first), so that their journal reads share one wait for the writer's queue; they
// leave down to the limit, and a restart keeps the same most recent ones.
TEST_F(CoreFixture, PastTheLimitTheOldestDoneRequestsLeaveMemoryInAGroup) {
  recent_done_requests_ = 32;  // let go in a group once 35 are done (32 + 32 / 16 + 1)
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  const auto finish = [&](int n) {
    const std::string id = "g" + std::to_string(n);
    const auto ack = submit(request(id, 1));
    ASSERT_TRUE(ack.outcome.ok()) << id << ": " << ack.outcome.reason;
    for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
    ASSERT_EQ(core_->request(id)->phase, RequestPhase::done);
  };
  for (int n = 1; n <= 34; ++n) finish(n);
  EXPECT_NE(core_->request("g1"), nullptr) << "let go before the group was full";
  finish(35);
  for (const char* gone : {"g1", "g2", "g3"})
    EXPECT_EQ(core_->request(gone), nullptr) << gone << " stayed in memory";
  for (int n = 4; n <= 35; ++n) EXPECT_NE(core_->request("g" + std::to_string(n)), nullptr) << n;
  open_core();
  EXPECT_EQ(core_->request("g3"), nullptr);
  EXPECT_NE(core_->request("g4"), nullptr);
  expect_conservation();
}

// A request let go from memory takes its images with it (no attach reaches them any more);
// an image another request in memory names stays, and a restart sweeps what is left over.
TEST_F(CoreFixture, ImagesGoWithTheLastRequestInMemoryThatNamesThem) {
  recent_done_requests_ = 2;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  finish_one_job("e1", 1);
  finish_one_job("e2", 2);
  EXPECT_TRUE(holds_image_of("e1"));
  finish_one_job("e3", 3);  // e1 leaves memory
  EXPECT_EQ(core_->request("e1"), nullptr);
  EXPECT_FALSE(holds_image_of("e1"));
  EXPECT_TRUE(holds_image_of("e2"));
  finish_one_job("e4", 2);  // the same spec and seed as e2: the same image
  ASSERT_EQ(images_["e4"], images_["e2"]);
  EXPECT_EQ(core_->request("e2"), nullptr);
  EXPECT_TRUE(holds_image_of("e4")) << "e4 still names the image e2 let go";
  EXPECT_TRUE(holds_image_of("e3"));
  // Attaching to e4 still sends its image.
  Outbox out;
  const auto ack =
      core_->attach(command(protocol::ClientCommandKind::attach, "e4", client_), {}, wall_, out);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  pump(out);
  finish_one_job("e5", 5);
  finish_one_job("e6", 6);
  EXPECT_FALSE(holds_image_of("e3"));
  EXPECT_FALSE(holds_image_of("e4"));
  EXPECT_TRUE(holds_image_of("e5"));

  // A coordinator restarted to keep fewer done requests deletes the images of those it no
  // longer loads.
  recent_done_requests_ = 1;
  open_core();
  EXPECT_EQ(core_->request("e5"), nullptr);
  EXPECT_FALSE(holds_image_of("e5"));
  EXPECT_TRUE(holds_image_of("e6"));
  expect_conservation();
}

// Requests let go in one group: an image two of them name goes with the second, and one that a
// request still in memory names stays.
TEST_F(CoreFixture, RequestsLetGoTogetherKeepOnlyTheImagesMemoryStillNames) {
  recent_done_requests_ = 16;  // two at a time leave once 18 are done (16 + 16 / 16 + 1)
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  const auto finish = [&](int n, std::uint64_t seed) {
    finish_one_job("s" + std::to_string(n), seed);
  };
  finish(1, 1);
  finish(2, 1);  // the same image as s1
  ASSERT_EQ(images_["s1"], images_["s2"]);
  for (int n = 3; n <= 17; ++n) finish(n, n == 3 || n == 4 ? n : 100 + n);
  EXPECT_TRUE(holds_image_of("s1"));
  finish(18, 118);  // s1 and s2 leave together
  EXPECT_EQ(core_->request("s1"), nullptr);
  EXPECT_EQ(core_->request("s2"), nullptr);
  EXPECT_FALSE(holds_image_of("s1")) << "the image both named stayed";
  EXPECT_FALSE(core_->fatal()) << core_->fatal()->message;
  finish(19, 3);  // the same image as s3
  ASSERT_EQ(images_["s19"], images_["s3"]);
  finish(20, 120);  // s3 and s4 leave together
  EXPECT_EQ(core_->request("s3"), nullptr);
  EXPECT_EQ(core_->request("s4"), nullptr);
  EXPECT_TRUE(holds_image_of("s19")) << "s19 still names the image s3 let go";
  EXPECT_FALSE(holds_image_of("s4"));
  EXPECT_TRUE(holds_image_of("s5"));
  EXPECT_FALSE(core_->fatal()) << core_->fatal()->message;
  expect_conservation();
}

// After a restart the requests loaded from the journal count as naming their images: one that
// another loaded request names stays when the first leaves memory, and goes with the second.
TEST_F(CoreFixture, AnImageTwoLoadedRequestsNameGoesWithTheSecondAfterARestart) {
  recent_done_requests_ = 2;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  finish_one_job("t1", 7);
  finish_one_job("t2", 7);  // the same image as t1
  ASSERT_EQ(images_["t1"], images_["t2"]);
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_NE(core_->request("t1"), nullptr);
  ASSERT_NE(core_->request("t2"), nullptr);
  finish_one_job("t3", 8);  // t1 leaves memory
  EXPECT_EQ(core_->request("t1"), nullptr);
  EXPECT_TRUE(holds_image_of("t2")) << "t2, loaded at the restart, still names the image";
  finish_one_job("t4", 9);  // t2 leaves memory
  EXPECT_EQ(core_->request("t2"), nullptr);
  EXPECT_FALSE(holds_image_of("t2")) << "the image outlived every request that named it";
  EXPECT_TRUE(holds_image_of("t3"));
  EXPECT_FALSE(core_->fatal()) << core_->fatal()->message;
  expect_conservation();
}

// A job keeps its worker's signed commitment for receipts and audits, not the pixels (the result
// store has those): not even their buffer. A cleared copy kept its capacity, the image's size per
// job held in memory, 360 MiB over the dispatch bench and gigabytes at 512 x 512 (bench/RESULTS.md).
TEST_F(CoreFixture, AJobsCommitmentHoldsNoPixelBuffer) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("c1", 2)).outcome.ok());
  for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
  const RequestState* r = core_->request("c1");
  ASSERT_NE(r, nullptr);
  for (const auto& j : r->jobs) {
    ASSERT_NE(j.audit.commitment, nullptr);
    EXPECT_EQ(j.audit.commitment->output_hash, j.output_hash);
    EXPECT_EQ(j.audit.commitment->pixels.capacity(), 0u);
  }
}

TEST_F(CoreFixture, BadRequestsAreRefusedWithStableCodes) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  auto code_of = [&](protocol::GenerateRequest r, bool resign = true) {
    if (resign) protocol::sign_request(r, client_);
    return submit(r).outcome.code;
  };
  auto r = request("bad", 1);
  r.model_id = std::string(64, 'b');
  EXPECT_EQ(code_of(r), ErrorCode::unknown_model);
  r = request("bad", 0);
  EXPECT_EQ(code_of(r), ErrorCode::invalid_count);
  r = request("bad", 513);
  EXPECT_EQ(code_of(r), ErrorCode::invalid_count);
  r = request("bad", 1);
  r.width = 4097;
  EXPECT_EQ(code_of(r), ErrorCode::invalid_size);
  r = request("bad", 1);
  r.height = 4104;
  EXPECT_EQ(code_of(r), ErrorCode::invalid_size);
  r = request("bad", 1);
  r.steps = 0;
  EXPECT_EQ(code_of(r), ErrorCode::invalid_steps);
  r = request("bad", 1);
  r.guidance = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(code_of(r), ErrorCode::invalid_guidance);
  r = request("bad", 1);
  r.sampler = "plms";
  EXPECT_EQ(code_of(r), ErrorCode::unknown_sampler);
  r = request("bad", 1);
  r.task_type = "instant";  // benchmark tasks are off
  EXPECT_EQ(code_of(r), ErrorCode::unknown_task_type);
  r = request("bad", 1);
  r.prompt = std::string("\xff\xfe");
  EXPECT_EQ(code_of(r), ErrorCode::invalid_prompt);
  r = request("bad/slash", 1);
  EXPECT_EQ(code_of(r), ErrorCode::invalid_request);
  r = request("bad", 2);
  r.count = 3;  // changed after signing
  EXPECT_EQ(code_of(r, false), ErrorCode::bad_signature);
  r = request("bad", 1);
  r.tier = protocol::Tier::relaxed;
  auto caps = worker_caps();
  caps.serves_relaxed = false;
  register_node(w1_, protocol::Role::worker, caps);
  EXPECT_EQ(code_of(r), ErrorCode::no_capable_worker);
  // Nothing was held for any of them, and the network still serves the next request.
  EXPECT_TRUE(submit(request("good", 1)).outcome.ok());
  expect_conservation();
}

// A request's queued event says how many jobs wait ahead of it: every queued fast job before a
// relaxed request, and within a tier those of requests accepted earlier; jobs that left the queue
// (sent to a worker, cancelled) no longer count.
TEST_F(CoreFixture, AQueuedRequestIsToldTheJobsAheadOfIt) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));  // one job at a time
  const auto position_of = [&](const std::string& id) -> std::int64_t {
    for (const auto& e : events_of(EventKind::queued))
      if (e.request_id == id) return e.position;
    ADD_FAILURE() << "no queued event for " << id;
    return -1;
  };
  const auto relaxed = [&](const std::string& id, std::uint32_t count) {
    protocol::GenerateRequest r = request(id, count);
    r.tier = protocol::Tier::relaxed;
    protocol::sign_request(r, client_);
    return r;
  };
  ASSERT_TRUE(submit(request("a", 3)).outcome.ok());  // one of its jobs goes to the worker
  ASSERT_TRUE(submit(relaxed("b", 2)).outcome.ok());
  ASSERT_TRUE(submit(request("c", 2)).outcome.ok());
  ASSERT_TRUE(submit(relaxed("d", 1)).outcome.ok());
  EXPECT_EQ(position_of("a"), 0);
  EXPECT_EQ(position_of("b"), 2) << "a's two queued fast jobs";
  EXPECT_EQ(position_of("c"), 2) << "a's two; b is relaxed, behind it";
  EXPECT_EQ(position_of("d"), 6) << "the four fast jobs, then b's two";
  // c leaves the queue; a's job on the worker comes back and the next of a's goes out.
  Outbox out;
  ASSERT_TRUE(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "c", client_), now_, wall_, out)
          .ok());
  pump(out);
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_TRUE(submit(request("e", 1)).outcome.ok());
  EXPECT_EQ(position_of("e"), 1) << "a's last queued job, its second being on the worker";
  ASSERT_TRUE(submit(relaxed("f", 1)).outcome.ok());
  EXPECT_EQ(position_of("f"), 5) << "a's one and e's, then b's two and d's";
}

// A dispatch pass that finds no room for one kind of job (fast jobs while only a relaxed-only
// worker is free) skips the later requests of that kind, and still places the next request of
// another kind in the same pass.
TEST_F(CoreFixture, ARequestNoFreeWorkerTakesDoesNotHoldBackTheNextKind) {
  register_node(w2_, protocol::Role::worker, worker_caps(1));  // serves both tiers, one slot
  auto relaxed_only = worker_caps(1);
  relaxed_only.serves_fast = false;
  register_node(w1_, protocol::Role::worker, relaxed_only);
  ASSERT_TRUE(submit(request("busy", 1)).outcome.ok());  // takes w2's slot
  ASSERT_TRUE(submit(request("f1", 1)).outcome.ok());
  ASSERT_TRUE(submit(request("f2", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].worker, w2_.public_key());
  protocol::GenerateRequest r = request("r", 1);
  r.tier = protocol::Tier::relaxed;
  protocol::sign_request(r, client_);
  ASSERT_TRUE(submit(r).outcome.ok());  // its pass finds f1 and f2 first, with no room for them
  jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u) << "the relaxed request goes to the free relaxed-only worker";
  EXPECT_EQ(jobs[0].job.job_id, "r/0");
  EXPECT_EQ(jobs[0].worker, w1_.public_key());
}

TEST_F(CoreFixture, PayerWithoutFundsIsRefused) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  protocol::GenerateRequest r = request("poor", 1);
  const Identity poor = Identity::from_seed({99});
  protocol::sign_request(r, poor);
  const auto ack = submit(r);
  EXPECT_EQ(ack.outcome.code, ErrorCode::insufficient_funds) << ack.outcome.reason;
  EXPECT_EQ(core_->request("poor"), nullptr);
}

TEST_F(CoreFixture, ResubmissionResumesAndIdReuseIsRefused) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  const auto r = request("r1", 2);
  ASSERT_TRUE(submit(r).outcome.ok());
  const auto again = submit(r);
  EXPECT_TRUE(again.outcome.ok());
  EXPECT_TRUE(again.resumed);
  auto other = request("r1", 3);
  EXPECT_EQ(submit(other).outcome.code, ErrorCode::duplicate_request);
}

// A worker's row is written once per commit, with its latest counts: two results applied before
// one commit leave both counted after a restart.
TEST_F(CoreFixture, ANodesRowHoldsItsLatestCountsAtTheCommit) {
  register_node(w1_, protocol::Role::worker, worker_caps(3));
  ASSERT_TRUE(submit(request("r1", 2)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 2u);
  Outbox out;
  for (const auto& j : jobs)
    ASSERT_TRUE(core_->on_result(w1_.public_key(), result_of(j.job, w1_), now_, out).ok());
  pump(out);  // one commit for both
  now_ += 10'000;
  open_core();
  const NodeEntry* w = core_->nodes().find(w1_.public_key());
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->jobs_done, 2u);
}

TEST_F(CoreFixture, RestartResumesFromTheJournalWithoutPayingTwice) {
  register_node(w1_, protocol::Role::worker, worker_caps(3));
  const auto ack = submit(request("r1", 5));
  ASSERT_TRUE(ack.outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 3u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_TRUE(deliver(jobs[1], w1_).ok());
  take_jobs();
  ASSERT_EQ(events_of(EventKind::result).size(), 2u);
  const auto results = events_of(EventKind::result);
  const auto paid = events_of(EventKind::paid);
  ASSERT_EQ(paid.size(), 2u);

  // The coordinator dies; a new one opens the same journal.
  now_ += 10'000;
  open_core();
  const RequestState* r = core_->request("r1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->phase, RequestPhase::active);
  std::size_t delivered = 0, queued = 0;
  for (const auto& j : r->jobs) {
    delivered += j.phase == JobPhase::delivered;
    queued += j.phase == JobPhase::queued;
  }
  EXPECT_EQ(delivered, 2u);
  EXPECT_EQ(queued, 3u);
  // A delivered job's row holds its payment (written alone at the settlement) beside its result.
  for (std::size_t i = 0; i < paid.size(); ++i) {
    const JobState& j = r->jobs.at(paid[i].index);
    EXPECT_EQ(j.phase, JobPhase::delivered);
    EXPECT_EQ(j.receipt.charged, paid[i].receipt.charged);
    EXPECT_EQ(j.receipt.worker_paid, paid[i].receipt.worker_paid);
    EXPECT_EQ(j.receipt.reference, paid[i].receipt.reference);
    EXPECT_EQ(j.output_hash, results[i].output_hash);
    EXPECT_EQ(j.audit.summary, results[i].audit);
  }
  EXPECT_EQ(core_->nodes().find(w1_.public_key())->jobs_done, 2u);  // reputation survived

  // The worker registers again and the rest completes.
  register_node(w1_, protocol::Role::worker, worker_caps(3));
  for (int round = 0; round < 5; ++round)
    for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
  EXPECT_EQ(events_of(EventKind::completed)[0].delivered, 5u);
  // Exactly five settlements in the ledger.
  auto history = ledger_->history("", 1'000);
  ASSERT_TRUE(history);
  int settles = 0;
  for (const auto& e : *history) settles += static_cast<int>(treasury::settled_jobs(e).size());
  EXPECT_EQ(settles, 5);
  // A re-attaching client gets the results it does not have.
  events_.clear();
  Outbox out;
  const auto attached = core_->attach(command(protocol::ClientCommandKind::attach, "r1", client_),
                                      {0, 1, 2}, wall_, out);
  collect(out);
  EXPECT_TRUE(attached.outcome.ok());
  EXPECT_EQ(events_of(EventKind::result).size(), 2u);
  EXPECT_EQ(events_of(EventKind::completed).size(), 1u);
  expect_conservation();
}

TEST_F(CoreFixture, RestartReissuesMoneyInMotionWithTheSameKeys) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  // The result arrives and its image goes out with the commit, but the settlement's answer is lost
  // in the crash.
  Outbox out;
  ASSERT_TRUE(core_->on_result(w1_.public_key(), result_of(jobs[0].job, w1_), now_, out).ok());
  ASSERT_TRUE(core_->commit());
  ASSERT_EQ(out.list<TellClient>().size(), 1u);
  EXPECT_EQ(out.list<TellClient>()[0].event.kind, EventKind::result);
  const auto orders = orders_of(out);
  ASSERT_EQ(orders.size(), 1u);
  auto receipts = desk_->apply(orders, 1'700'000'000);  // applied in the ledger...
  ASSERT_TRUE(receipts[0].ok);
  open_core();  // ...but the coordinator died before hearing it: the order is placed again
  ASSERT_EQ(events_of(EventKind::paid).size(), 1u);
  EXPECT_EQ(events_of(EventKind::paid)[0].receipt.reference, orders[0].key);
  EXPECT_TRUE(events_of(EventKind::result).empty())
      << "a restart re-sent an image nobody asked for";
  // A client attaching after the restart gets the image and its payment.
  Outbox attach_out;
  ASSERT_TRUE(core_
                  ->attach(command(protocol::ClientCommandKind::attach, "r1", client_), {}, wall_,
                           attach_out)
                  .outcome.ok());
  pump(attach_out);
  EXPECT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::paid).size(), 2u);
  auto history = ledger_->history("", 1'000);
  int settles = 0;
  for (const auto& e : *history) settles += static_cast<int>(treasury::settled_jobs(e).size());
  EXPECT_EQ(settles, 1);
  expect_conservation();
}

TEST_F(CoreFixture, RegistrationNeedsAFreshChallenge) {
  const auto challenge = core_->hello(now_);
  auto reg =
      protocol::make_registration(protocol::Role::worker, "w1", worker_caps(), challenge, w1_);
  EXPECT_TRUE(core_->verify_registration(reg, now_).ok());
  EXPECT_EQ(core_->verify_registration(reg, now_).code, ErrorCode::challenge_failed);  // replay
  const auto c2 = core_->hello(now_);
  auto bad = protocol::make_registration(protocol::Role::worker, "w1", worker_caps(), c2, w1_);
  bad.capabilities.max_inflight = 1'000;
  EXPECT_EQ(core_->verify_registration(bad, now_).code, ErrorCode::bad_signature);
  const auto c3 = core_->hello(now_);
  auto late = protocol::make_registration(protocol::Role::worker, "w1", worker_caps(), c3, w1_);
  EXPECT_EQ(core_->verify_registration(late, now_ + 3'600'000).code, ErrorCode::challenge_failed);
}

// A node of another wire protocol is refused by name before anything else of its registration is
// read (the rest of it is encoded differently).
TEST_F(CoreFixture, ANodeOfAnotherProtocolIsRefusedNamingBothProtocols) {
  const auto challenge = core_->hello(now_);
  EXPECT_EQ(challenge.protocol, protocol::kProtocol);
  auto reg =
      protocol::make_registration(protocol::Role::worker, "w1", worker_caps(), challenge, w1_);
  EXPECT_EQ(reg.protocol, protocol::kProtocol);
  reg.protocol = protocol::kProtocol + 1;
  const auto refused = core_->verify_registration(reg, now_);
  EXPECT_EQ(refused.code, ErrorCode::protocol_mismatch);
  EXPECT_TRUE(refused.reason.contains("worker " + w1_.public_key().hex().substr(0, 16) +
                                      " speaks seedgrid protocol " +
                                      std::to_string(protocol::kProtocol + 1)))
      << refused.reason;
  EXPECT_TRUE(refused.reason.contains("this node protocol " + std::to_string(protocol::kProtocol)))
      << refused.reason;
  EXPECT_TRUE(refused.reason.contains("seedgrid --version")) << refused.reason;
}

TEST_F(CoreFixture, RequestsSpreadOverAtMostTheConfiguredWorkers) {
  policy_.routing.max_workers_per_request = 2;
  open_core();
  std::vector<Identity> workers;
  for (std::uint8_t i = 0; i < 4; ++i)
    workers.push_back(Identity::from_seed({static_cast<std::uint8_t>(50 + i)}));
  for (const auto& w : workers) register_node(w, protocol::Role::worker, worker_caps(2));
  ASSERT_TRUE(submit(request("r1", 8)).outcome.ok());
  std::set<PublicKey> used;
  for (const auto& j : take_jobs()) used.insert(j.worker);
  EXPECT_EQ(used.size(), 2u);
}

TEST_F(CoreFixture, StatusListsNodesAndCounts) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(submit(request("r1", 2)).outcome.ok());
  const auto s = core_->status(now_);
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_EQ(s.nodes[0].role, protocol::Role::worker);
  EXPECT_EQ(s.nodes[1].role, protocol::Role::validator);
  EXPECT_EQ(s.jobs_running, 2u);
  EXPECT_EQ(s.models.size(), 1u);
  EXPECT_EQ(s.coordinator, coordinator_id_.public_key());
  // What a gateway needs to check and quote as the coordinator does.
  EXPECT_EQ(s.models[0].size_multiple, 16u);
  EXPECT_EQ(s.limits.max_steps, policy_.limits.max_steps);
  EXPECT_EQ(s.limits.max_width, policy_.limits.max_width);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing