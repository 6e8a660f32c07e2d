// Task types registered by script (coordinator.task_types): the catalog that loads them, the
// admission of a request's parameters at submit (refused before any hold, so nothing is charged),
// the price over the passes the script declares, and the task surviving a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/task_admission.hpp"
#include "actors/coordinator/task_catalog.hpp"
#include "actors/treasury/pricing.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;

const std::string kTasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TaskCatalog, LoadsScriptsByNameAndId) {
  auto catalog = TaskCatalog::load(
      {{"hires_fix", kTasks + "hires_fix.lua"}, {"variation", kTasks + "variation.lua"}});
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(catalog->names(), "hires_fix, variation");
  const auto* hires = catalog->find("hires_fix");
  ASSERT_NE(hires, nullptr);
  EXPECT_EQ(hires->id().size(), 64u);
  EXPECT_EQ(catalog->find_by_id(hires->id()), hires);
  EXPECT_EQ(catalog->find("txt2img"), nullptr);
  const auto entries = catalog->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "hires_fix");
  EXPECT_EQ(entries[0].script_id, hires->id());
}

TEST(TaskCatalog, AMissingScriptNamesItsConfigEntryAndPath) {
  const std::string missing = kTasks + "no_such_task.lua";
  auto catalog = TaskCatalog::load({{"hires_fix", kTasks + "hires_fix.lua"}, {"gone", missing}});
  ASSERT_FALSE(catalog);
  EXPECT_TRUE(contains(catalog.error().message, "task_types[1] (gone)")) << catalog.error().message;
  EXPECT_TRUE(contains(catalog.error().message, missing)) << catalog.error().message;
}

TEST(TaskCatalog, AnInvalidSchemaNamesTheFile) {
  const auto dir = fresh_dir("task-catalog");
  const auto path = dir / "upside_down.lua";
  std::ofstream(path) << "name = \"upside_down\"\n"
                         "params = { { name = \"scale\", type = \"int\", min = 4, max = 1 } }\n"
                         "function cost(p) return { { steps = 1, pixels = 64 } } end\n"
                         "function run(p, seed) return nil end\n";
  auto catalog = TaskCatalog::load({{"upside_down", path.string()}});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(catalog);
  EXPECT_TRUE(contains(catalog.error().message, "upside_down.lua")) << catalog.error().message;
  EXPECT_TRUE(contains(catalog.error().message, "task_types[0]")) << catalog.error().message;
}

class TaskTypes : public CoreFixture {
 protected:
  void SetUp() override {
    task_types_ = {{"hires_fix", kTasks + "hires_fix.lua"}};
    CoreFixture::SetUp();
    register_node(w1_, protocol::Role::worker, script_caps());
  }

  // A worker that runs task scripts (whichever the coordinator registered).
  protocol::Capabilities script_caps() const {
    auto caps = worker_caps();
    caps.task_types = {std::string(protocol::kTaskScripts), "txt2img"};
    return caps;
  }

  protocol::GenerateRequest hires(const std::string& id, protocol::TaskParams params,
                                  std::uint32_t count = 1) const {
    protocol::GenerateRequest r = request(id, count);
    r.task_type = "hires_fix";
    r.width = r.height = 192;  // the image; the first pass renders it divided by scale
    r.params = std::move(params);
    protocol::sort_task_params(r.params);
    protocol::sign_request(r, client_);
    return r;
  }

  // The refusal of `r`, after checking that nothing was held or charged for it.
  protocol::Reply refused(const protocol::GenerateRequest& r) {
    const std::int64_t before = credits(payer_account());
    const auto ack = submit(r);
    EXPECT_FALSE(ack.outcome.ok());
    EXPECT_EQ(credits(payer_account()), before) << "a refused request is charged nothing";
    EXPECT_EQ(core_->request(r.request_id), nullptr);
    EXPECT_TRUE(take_jobs().empty());
    return ack.outcome;
  }

  // A hires_fix request with `params` is refused as an invalid parameter, its reason naming each
  // of `named`.
  void expect_param_refused(protocol::TaskParams params, std::vector<std::string> named) {
    const auto reply = refused(hires("h1", std::move(params)));
    EXPECT_EQ(reply.code, ErrorCode::invalid_task_param);
    for (const auto& part : named) EXPECT_TRUE(contains(reply.reason, part)) << reply.reason;
  }

  // The price of one job of summed pixel-steps, as the treasury computes it.
  static std::int64_t price_of(std::int64_t pixel_steps) {
    treasury::QuoteRequest q;
    q.base_render_millis = 43'200;
    q.steps = 4;
    q.width = 64;
    q.height = 64;
    q.pixel_steps = pixel_steps;
    auto quote = treasury::quote(treasury::TreasuryConfig{}, q);
    EXPECT_TRUE(quote) << quote.error().message;
    return quote ? quote->per_job : -1;
  }
};

TEST_F(TaskTypes, AScriptedRequestRunsItsDeclaredPassesAndIsPricedOverThem) {
  const auto ack =
      submit(hires("h1", {{"scale", "3"}, {"hires_steps", "8"}, {"denoise", "0.5"}}, 2));
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const RequestState* r = core_->request("h1");
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->task);
  EXPECT_EQ(r->task->script_id, core_->task_types().find("hires_fix")->id());
  // 4 steps at 64 x 64, then half of an 8-step schedule at 192 x 192.
  const std::vector<protocol::TaskPass> passes{{4, 64 * 64}, {4, 192 * 192}};
  EXPECT_EQ(r->task->passes, passes);
  EXPECT_EQ(protocol::passes_work(r->task->passes), 4u * 64 * 64 + 4u * 192 * 192);
  const std::int64_t per_job = price_of(4 * 64 * 64 + 4 * 192 * 192);
  EXPECT_EQ(r->per_job, per_job);
  EXPECT_EQ(ack.quoted, 2 * per_job);
  EXPECT_GT(per_job, price_of(4 * 64 * 64)) << "the second pass is paid for";

  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 2u);
  const auto& spec = jobs[0].job.spec;
  EXPECT_EQ(spec.task_type, "hires_fix");
  EXPECT_EQ(spec.task_script, r->task->script_id);
  EXPECT_EQ(spec.passes, passes);
  EXPECT_EQ(spec.params, r->request.params);
  EXPECT_EQ(protocol::job_work(spec), 4u * 64 * 64 + 4u * 192 * 192);
  EXPECT_NE(jobs[1].job.spec.seed, spec.seed);

  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_TRUE(deliver(jobs[1], w1_).ok());
  EXPECT_EQ(events_of(protocol::EventKind::completed).size(), 1u);
  expect_conservation();
}

TEST_F(TaskTypes, DefaultsFillTheParametersARequestLeavesOut) {
  const auto ack = submit(hires("h1", {}));
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const RequestState* r = core_->request("h1");
  ASSERT_TRUE(r && r->task);
  // scale 2: 4 steps at 96 x 96, then hires_steps 20 at denoise 0.5: 10 steps at 192 x 192.
  const std::vector<protocol::TaskPass> passes{{4, 96 * 96}, {10, 192 * 192}};
  EXPECT_EQ(r->task->passes, passes);
}

TEST_F(TaskTypes, AnImageSizeTheScriptCannotRenderIsRefusedWithItsMessage) {
  auto r = hires("h1", {});
  r.width = r.height = 200;  // half of it is not a whole latent
  protocol::sign_request(r, client_);
  const auto reply = refused(r);
  EXPECT_EQ(reply.code, ErrorCode::invalid_task_param);
  EXPECT_TRUE(contains(reply.reason, "hires_fix.lua:")) << reply.reason;
  EXPECT_TRUE(contains(reply.reason, "200 x 200")) << reply.reason;
}

TEST_F(TaskTypes, AParameterOutOfRangeIsRefusedNamingItAndItsValue) {
  expect_param_refused({{"scale", "9"}}, {"scale", "9", "hires_fix.lua"});
}

TEST_F(TaskTypes, AParameterOfTheWrongTypeIsRefused) {
  expect_param_refused({{"denoise", "lots"}}, {"denoise", "lots"});
}

TEST_F(TaskTypes, AnUnknownParameterIsRefusedListingTheKnownOnes) {
  expect_param_refused({{"sharpness", "2"}}, {"sharpness", "denoise"});
}

TEST_F(TaskTypes, AStandardFieldGivenAsAParameterIsRefused) {
  expect_param_refused({{"steps", "30"}}, {"steps"});
}

// A value is written into the image's text chunk and the receipt: text, as a prompt is.
TEST_F(TaskTypes, AParameterThatIsNotTextIsRefusedNamingTheCharacter) {
  expect_param_refused({{"sampler", "euler\x1b[2J"}},
                       {"parameter sampler holds the control character U+001B at byte 5"});
  expect_param_refused({{"sampler", "euler\xC2\x9B"}}, {"U+009B"});
  expect_param_refused({{"sampler", "eu\xFFler"}}, {"parameter sampler is not valid UTF-8"});
}

TEST_F(TaskTypes, AParameterTwiceIsRefused) {
  expect_param_refused({{"scale", "2"}, {"scale", "3"}}, {"scale"});
}

TEST_F(TaskTypes, AnUnknownTaskTypeIsRefusedListingTheServedOnes) {
  protocol::GenerateRequest r = request("u1", 1);
  r.task_type = "inpaint";
  protocol::sign_request(r, client_);
  const auto reply = refused(r);
  EXPECT_EQ(reply.code, ErrorCode::unknown_task_type);
  EXPECT_TRUE(contains(reply.reason, "inpaint")) << reply.reason;
  EXPECT_TRUE(contains(reply.reason, "hires_fix")) << reply.reason;
}

TEST_F(TaskTypes, ABuiltInTaskTypeTakesNoParameters) {
  protocol::GenerateRequest r = request("t1", 1);
  r.params = {{"scale", "2"}};
  protocol::sign_request(r, client_);
  const auto reply = refused(r);
  EXPECT_EQ(reply.code, ErrorCode::invalid_task_param);
  EXPECT_TRUE(contains(reply.reason, "scale")) << reply.reason;
}

TEST_F(TaskTypes, AScriptedRequestNeedsAWorkerThatRunsScripts) {
  auto caps = worker_caps();
  caps.task_types = {"hires_fix", "txt2img"};  // naming the task type is not running scripts
  register_node(w2_, protocol::Role::worker, caps);
  Outbox out;
  core_->node_down(w1_.public_key(), now_, out);
  pump(out);
  const auto reply = refused(hires("h1", {}));
  EXPECT_EQ(reply.code, ErrorCode::no_capable_worker) << reply.reason;
  EXPECT_TRUE(contains(reply.reason, "hires_fix")) << reply.reason;
}

TEST_F(TaskTypes, AScriptFailureRepeatedByASecondWorkerIsRefundedAndBlamesNoOne) {
  register_node(w2_, protocol::Role::worker, script_caps());
  const std::int64_t before = credits(payer_account());
  ASSERT_TRUE(submit(hires("h1", {})).outcome.ok());
  const std::string failure = "hires_fix.lua:31: sd.sample: out of memory (cap 256 MiB)";
  auto first = take_jobs();
  ASSERT_EQ(first.size(), 1u);
  const Identity& claimant = first[0].worker == w1_.public_key() ? w1_ : w2_;
  const Identity& other = &claimant == &w1_ ? w2_ : w1_;
  ASSERT_TRUE(report(first[0], claimant, ErrorCode::task_script_failed, failure).ok());
  // One worker's word is not enough: the job goes to the other worker.
  auto second = take_jobs();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].worker, other.public_key());
  EXPECT_EQ(second[0].job.attempt, 2u);
  EXPECT_TRUE(events_of(protocol::EventKind::failed).empty());
  ASSERT_TRUE(report(second[0], other, ErrorCode::task_script_failed, failure).ok());

  auto failed_events = events_of(protocol::EventKind::failed);
  ASSERT_EQ(failed_events.size(), 1u);
  EXPECT_EQ(failed_events[0].code, ErrorCode::task_script_failed);
  EXPECT_TRUE(contains(failed_events[0].reason, failure)) << failed_events[0].reason;
  EXPECT_TRUE(take_jobs().empty()) << "no third worker is asked";
  EXPECT_EQ(credits(payer_account()), before) << "the failed job is refunded";
  EXPECT_EQ(failed(w1_), 0u);
  EXPECT_EQ(failed(w2_), 0u);
  expect_conservation();
}

// With audits on and a validator registered, a script failure two workers repeat is checked by a
// validator before it is refunded (AuditTask::claimed_failure, no result): one that fails alike
// upholds it, blaming no one; one that renders the job charges both claimants and the job goes to
// a third worker; a restart during the check re-queues the job, blaming no one.
class ScriptFailureAudit : public TaskTypes {
 protected:
  void SetUp() override {
    TaskTypes::SetUp();
    policy_.audit.rate = 1.0;
    open_core();
    register_node(w1_, protocol::Role::worker, script_caps());
    register_node(w2_, protocol::Role::worker, script_caps());
    register_node(validator_, protocol::Role::validator, script_caps());
  }

  static constexpr const char* kFailure = "hires_fix.lua:31: sd.sample: out of memory (cap 256 MiB)";

  // The job of a fresh request failed by both workers alike; returns the audit of that claim.
  SendAudit claimed_twice(const std::string& id) {
    EXPECT_TRUE(submit(hires(id, {})).outcome.ok());
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto jobs = take_jobs();
      EXPECT_EQ(jobs.size(), 1u);
      if (jobs.empty()) return {};
      const Identity& by = jobs[0].worker == w1_.public_key() ? w1_ : w2_;
      EXPECT_TRUE(report(jobs[0], by, ErrorCode::task_script_failed, kFailure).ok());
    }
    EXPECT_TRUE(events_of(protocol::EventKind::failed).empty()) << "not before the validator";
    EXPECT_EQ(audits_.size(), 1u);
    return audits_.empty() ? SendAudit{} : audits_.back();
  }

  protocol::Reply judge(const protocol::AuditTask& task, protocol::AuditOutcome outcome) {
    protocol::Verdict v = protocol::verdict_on(task);
    v.outcome = outcome;
    v.purpose = task.purpose;
    v.detail = outcome == protocol::AuditOutcome::pass ? "the task script fails the same way here"
                                                       : "the task script renders this job here";
    protocol::sign_verdict(v, validator_);
    Outbox out;
    auto reply = core_->on_verdict(validator_.public_key(), v, now_, out);
    pump(out);
    return reply;
  }
};

TEST_F(ScriptFailureAudit, AValidatorThatFailsAlikeUpholdsTheClaim) {
  const std::int64_t before = credits(payer_account());
  const SendAudit audit = claimed_twice("h1");
  EXPECT_EQ(audit.task.claimed_failure, kFailure);
  EXPECT_TRUE(audit.task.claimed_pixels.empty());
  EXPECT_EQ(audit.task.audits, full_audit_only());
  ASSERT_TRUE(judge(audit.task, protocol::AuditOutcome::pass).ok());
  auto failed_events = events_of(protocol::EventKind::failed);
  ASSERT_EQ(failed_events.size(), 1u);
  EXPECT_EQ(failed_events[0].code, ErrorCode::task_script_failed);
  EXPECT_TRUE(contains(failed_events[0].reason, kFailure)) << failed_events[0].reason;
  EXPECT_TRUE(contains(failed_events[0].reason, "confirmed by validator")) << failed_events[0].reason;
  EXPECT_EQ(credits(payer_account()), before) << "the failed job is refunded";
  EXPECT_EQ(failed(w1_), 0u);
  EXPECT_EQ(failed(w2_), 0u);
  expect_conservation();
}

TEST_F(ScriptFailureAudit, AValidatorThatRendersTheJobChargesBothClaimants) {
  register_node(w3_, protocol::Role::worker, script_caps());
  const SendAudit audit = claimed_twice("h1");
  ASSERT_TRUE(judge(audit.task, protocol::AuditOutcome::fail).ok());
  EXPECT_EQ(failed(w1_), 1u);
  EXPECT_EQ(failed(w2_), 1u);
  EXPECT_TRUE(events_of(protocol::EventKind::failed).empty());
  auto third = take_jobs();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].worker, w3_.public_key()) << "neither claimant is asked again";
  ASSERT_TRUE(deliver(third[0], w3_).ok());
  ASSERT_EQ(audits_.size(), 2u) << "its result is audited as any other";
  EXPECT_TRUE(audits_.back().task.claimed_failure.empty());
  EXPECT_EQ(audits_.back().task.worker, w3_.public_key());
}

// With no other worker the job goes back to a claimant; its claim again is not heard: it is
// charged as any failure, and no new check starts.
TEST_F(ScriptFailureAudit, ADisprovedClaimantThatClaimsAgainIsCharged) {
  const SendAudit audit = claimed_twice("h1");
  ASSERT_TRUE(judge(audit.task, protocol::AuditOutcome::fail).ok());
  auto again = take_jobs();
  ASSERT_EQ(again.size(), 1u);
  const Identity& claimant = again[0].worker == w1_.public_key() ? w1_ : w2_;
  ASSERT_TRUE(report(again[0], claimant, ErrorCode::task_script_failed, kFailure).ok());
  EXPECT_EQ(failed(claimant), 2u);
  EXPECT_EQ(audits_.size(), 1u) << "no second check";
}

TEST_F(ScriptFailureAudit, ARestartDuringTheCheckTriesTheJobAgainBlamingNoOne) {
  register_node(w3_, protocol::Role::worker, script_caps());
  claimed_twice("h1");
  open_core();  // a restart: the claims die with the run
  register_node(w3_, protocol::Role::worker, script_caps());
  register_node(validator_, protocol::Role::validator, script_caps());
  auto again = take_jobs();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].worker, w3_.public_key());
  EXPECT_EQ(failed(w3_), 0u);
  EXPECT_TRUE(events_of(protocol::EventKind::failed).empty());
}

TEST_F(TaskTypes, AScriptFailureAnotherWorkerRendersCostsItsClaimant) {
  register_node(w2_, protocol::Role::worker, script_caps());
  ASSERT_TRUE(submit(hires("h1", {})).outcome.ok());
  auto first = take_jobs();
  ASSERT_EQ(first.size(), 1u);
  const Identity& claimant = first[0].worker == w1_.public_key() ? w1_ : w2_;
  const Identity& other = &claimant == &w1_ ? w2_ : w1_;
  ASSERT_TRUE(
      report(first[0], claimant, ErrorCode::task_script_failed, "hires_fix.lua:40: boom").ok());
  EXPECT_EQ(failed(claimant), 0u) << "not blamed before a second worker tried";
  auto second = take_jobs();
  ASSERT_EQ(second.size(), 1u);
  const auto delivered = deliver(second[0], other);
  ASSERT_TRUE(delivered.ok()) << delivered.reason;
  EXPECT_EQ(failed(claimant), 1u) << "its claim was not repeated";
  EXPECT_EQ(failed(other), 0u);
  EXPECT_EQ(events_of(protocol::EventKind::result).size(), 1u);
}

TEST_F(TaskTypes, AScriptedResultCommitsOneTreeOverAllItsPasses) {
  ASSERT_TRUE(
      submit(hires("h1", {{"scale", "3"}, {"hires_steps", "8"}, {"denoise", "0.5"}})).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto r = result_of(jobs[0].job, w1_);
  r.leaf_count = 4 + 1;  // the first pass's leaves only
  protocol::sign_result(r, w1_);
  Outbox out;
  const auto refused_result = core_->on_result(w1_.public_key(), r, now_, out);
  pump(out);
  EXPECT_EQ(refused_result.code, ErrorCode::mismatch);
  EXPECT_TRUE(contains(refused_result.reason, "expected 10")) << refused_result.reason;
}

TEST_F(TaskTypes, Txt2ImgBesideScriptsIsPricedAndSpecifiedAsBefore) {
  const auto ack = submit(request("t1", 1));
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const RequestState* r = core_->request("t1");
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->task);
  EXPECT_EQ(r->per_job, price_of(0));
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_FALSE(jobs[0].job.spec.scripted());
  EXPECT_TRUE(jobs[0].job.spec.params.empty());
  EXPECT_EQ(jobs[0].job.spec.task_type, "txt2img");
}

TEST_F(TaskTypes, AScriptedRequestKeepsItsTaskAndParametersAcrossARestart) {
  const auto r = hires("h1", {{"denoise", "0.25"}, {"scale", "2"}});
  const auto ack = submit(r);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const RequestTask before = *core_->request("h1")->task;
  const std::int64_t per_job = core_->request("h1")->per_job;
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);

  now_ += 1'000;
  open_core();
  const RequestState* loaded = core_->request("h1");
  ASSERT_NE(loaded, nullptr);
  ASSERT_TRUE(loaded->task);
  EXPECT_EQ(*loaded->task, before);
  EXPECT_EQ(loaded->request.params, r.params);
  EXPECT_EQ(protocol::request_digest(loaded->request), protocol::request_digest(r));
  EXPECT_EQ(loaded->per_job, per_job);
  // The job it sends after the restart is the one it sent before: same spec, same hash.
  EXPECT_EQ(protocol::spec_hash(spec_of(*loaded, 0)), protocol::spec_hash(jobs[0].job.spec));
  // Submitting the same request again attaches to it rather than charging it twice.
  const auto again = submit(r);
  EXPECT_TRUE(again.outcome.ok()) << again.outcome.reason;
  expect_conservation();
}

// A worker fetches a job's script by id. A coordinator restarted with the script gone from its
// config (or the file changed, so another id) still serves the one the request was accepted with.
TEST_F(TaskTypes, AnAcceptedRequestsScriptIsServedAfterItLeavesTheConfig) {
  ASSERT_TRUE(submit(hires("h1", {})).outcome.ok());
  const std::string id = core_->request("h1")->task->script_id;
  auto served = core_->task_script(id);
  ASSERT_TRUE(served && *served) << (served ? "none" : served.error().message);
  const std::string source = (*served)->source;

  task_types_ = {{"variation", kTasks + "variation.lua"}};
  now_ += 1'000;
  open_core();
  EXPECT_EQ(core_->task_types().find("hires_fix"), nullptr);
  served = core_->task_script(id);
  ASSERT_TRUE(served) << served.error().message;
  ASSERT_TRUE(*served) << "the accepted script is gone";
  EXPECT_EQ((*served)->source, source);
  EXPECT_EQ((*served)->file_name, "hires_fix.lua");
  auto unknown = core_->task_script(std::string(64, '0'));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
}

// An image task's images: carried by the request, kept in the journal alone (the request in
// memory names them by id), priced one step a pixel, served by id across a restart, and erased
// with a private request's prompt.
TEST_F(TaskTypes, AnImageTasksImagesAreJournaledPricedAndServedById) {
  task_types_ = {{"img2img", kTasks + "img2img.lua"}};
  open_core();
  register_node(w1_, protocol::Role::worker, script_caps());
  const RgbImage image{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 77)};
  const std::string id = protocol::input_image_id(image);
  auto img2img = [&](const std::string& request_id, protocol::Privacy privacy) {
    protocol::GenerateRequest r = request(request_id, 1);
    r.task_type = "img2img";
    r.params = {{"init_image", id}, {"strength", "0.5"}};
    r.images = {image};
    r.privacy = privacy;
    protocol::sign_request(r, client_);
    return r;
  };
  const auto r = img2img("i1", protocol::Privacy::public_images);
  const auto ack = submit(r);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const RequestState* state = core_->request("i1");
  ASSERT_TRUE(state && state->task);
  EXPECT_TRUE(state->request.images.empty()) << "the images live in the journal";
  EXPECT_EQ(state->task->input_pixels, 64u * 64);
  // strength 0.5 of 4 steps: 2 steps at 64 x 64, and the image's pixels at one step each.
  EXPECT_EQ(state->per_job, price_of(2 * 64 * 64 + 64 * 64));
  auto served = core_->input_image(id);
  ASSERT_TRUE(served && *served) << (served ? "none" : served.error().message);
  EXPECT_EQ(**served, image);
  const RequestTask before = *state->task;

  now_ += 1'000;
  open_core();
  ASSERT_TRUE(core_->request("i1") && core_->request("i1")->task);
  EXPECT_EQ(*core_->request("i1")->task, before) << "input pixels read back from the journal";
  served = core_->input_image(id);
  ASSERT_TRUE(served && *served);
  EXPECT_EQ(**served, image);
  auto unknown = core_->input_image(std::string(64, 'f'));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);

  // A private request's images go with its prompt; the public request above keeps the same
  // image (same id) served.
  register_node(w1_, protocol::Role::worker, script_caps());
  auto jobs = take_jobs();
  const RgbImage secret{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 200)};
  const std::string secret_id = protocol::input_image_id(secret);
  auto p = request("p1", 1);
  p.task_type = "img2img";
  p.params = {{"init_image", secret_id}};
  p.images = {secret};
  p.privacy = protocol::Privacy::private_images;
  protocol::sign_request(p, client_);
  ASSERT_TRUE(submit(p).outcome.ok());
  served = core_->input_image(secret_id);
  ASSERT_TRUE(served && *served) << "kept until the private request is done";
  for (const auto& job : take_jobs()) ASSERT_TRUE(deliver(job, w1_).ok());
  ASSERT_EQ(core_->request("p1")->phase, RequestPhase::done);
  Outbox out;
  now_ += 1'000;
  core_->tick(now_, out);
  pump(out);
  ASSERT_TRUE(core_->request("p1")->erased.has_value());
  served = core_->input_image(secret_id);
  ASSERT_TRUE(served);
  EXPECT_FALSE(*served) << "a private request's image outlived its prompt";
  open_core();
  EXPECT_EQ(core_->request("p1")->task->input_pixels, 64u * 64) << "its price's size stays";
}

// The images a request carried go when it leaves memory, as its delivered images do; each request
// has its own copy, so another request carrying the same image still serves it. A restart that
// loads fewer done requests releases the rest.
TEST_F(TaskTypes, AnImageTasksImagesGoWhenItsRequestLeavesMemory) {
  task_types_ = {{"img2img", kTasks + "img2img.lua"}};
  recent_done_requests_ = 1;
  open_core();
  const auto image_of = [](std::uint8_t v) {
    return RgbImage{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, v)};
  };
  const auto finish = [&](const std::string& id, std::optional<RgbImage> image) {
    register_node(w1_, protocol::Role::worker, script_caps());
    protocol::GenerateRequest r = request(id, 1);
    if (image) {
      r.task_type = "img2img";
      r.params = {{"init_image", protocol::input_image_id(*image)}, {"strength", "0.5"}};
      r.images = {*image};
    }
    protocol::sign_request(r, client_);
    const auto ack = submit(r);
    ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
    for (const auto& job : take_jobs()) ASSERT_TRUE(deliver(job, w1_).ok());
    ASSERT_EQ(core_->request(id)->phase, RequestPhase::done);
  };
  const auto served = [&](const RgbImage& image) {
    auto found = core_->input_image(protocol::input_image_id(image));
    EXPECT_TRUE(found) << found.error().message;
    return found && found->has_value();
  };
  const RgbImage x = image_of(77), y = image_of(78), z = image_of(79);
  finish("a1", x);
  finish("a2", x);  // a1 leaves memory
  EXPECT_EQ(core_->request("a1"), nullptr);
  EXPECT_TRUE(served(x)) << "a2 carried the same image";
  finish("a3", y);  // a2 leaves
  EXPECT_FALSE(served(x));
  EXPECT_TRUE(served(y));
  finish("a4", std::nullopt);  // a3 leaves
  EXPECT_FALSE(served(y));

  // A coordinator that kept more done requests, restarted to keep fewer.
  recent_done_requests_ = 10;
  open_core();
  finish("b1", z);
  finish("b2", std::nullopt);
  EXPECT_TRUE(served(z));
  recent_done_requests_ = 1;
  open_core();
  EXPECT_EQ(core_->request("b1"), nullptr);
  EXPECT_FALSE(served(z));
  open_core();
  EXPECT_FALSE(served(z));
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
