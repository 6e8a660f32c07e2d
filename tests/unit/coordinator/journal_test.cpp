#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/journal_columns.hpp"
#include "actors/coordinator/journal_tasks.hpp"
#include "core_fixture.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::coordinator::testing {
namespace {

// A commit in the background takes the writes made before it; those after it are the next
// transaction's, and are lost with it when the journal goes without committing (as in a crash).
TEST(Journal, ACommitInTheBackgroundTakesTheWritesBeforeItAndNoneAfter) {
  const auto dir = fresh_dir("journal-background-commit");
  const std::string path = (dir / "j.sqlite").string();
  const std::string prompt_key = (dir / "j.prompt-key").string();
  auto slash = [](const std::string& id) {
    protocol::LedgerOrder o;
    o.key = "slash/" + id;
    o.verdict_id = id;
    o.worker = "worker:w";
    o.validator = "validator:v";
    return o;
  };
  {
    auto j = Journal::open(path, prompt_key);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE(j->put_slash(slash("before")));
    std::promise<Result<void>> durable;
    j->commit_in_background([&durable](Result<void> r) { durable.set_value(std::move(r)); });
    ASSERT_TRUE(j->put_slash(slash("after")));
    auto outcome = durable.get_future().get();
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  }
  auto j = Journal::open(path, prompt_key);
  ASSERT_TRUE(j) << j.error().message;
  auto slashes = j->pending_slashes();
  ASSERT_TRUE(slashes) << slashes.error().message;
  ASSERT_EQ(slashes->size(), 1u);
  EXPECT_EQ(slashes->front().key, "slash/before");
  std::filesystem::remove_all(dir);
}

TEST(Journal, RoundTripsRequestsJobsNodesAndSlashes) {
  const auto dir = fresh_dir("journal");
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string prompt_key = (dir / "j.prompt-key").string();
  RequestState r;
  r.request.request_id = "req";
  r.request.model_id = kModel;
  r.request.prompt = "p\n\"quoted\"";
  r.request.seed = ~std::uint64_t{0} - 3;  // above INT64_MAX
  r.request.guidance = 7.25f;
  r.request.count = 2;
  r.request.tier = protocol::Tier::relaxed;
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.sequence = 7;
  r.phase = RequestPhase::active;
  r.hold_id = 42;
  r.creator = "creator:x";
  r.jobs.resize(2);
  r.jobs[0].index = 0;
  r.jobs[0].phase = JobPhase::delivered;
  r.jobs[0].worker = Identity::from_seed({2}).public_key();
  r.jobs[0].excluded = {Identity::from_seed({3}).public_key(),
                        Identity::from_seed({4}).public_key()};
  r.jobs[0].receipt.charged = 123;
  r.jobs[0].output_hash = blake2b(std::string_view("x"));
  r.jobs[1].index = 1;
  r.jobs[1].phase = JobPhase::queued;
  {
    auto j = Journal::open(path, prompt_key);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE(j->put_request(r));
    ASSERT_TRUE(j->put_jobs(r));
    ASSERT_TRUE(j->put_node({Identity::from_seed({2}).public_key(),
                             protocol::Role::worker,
                             {0.1, 0.2, 0.3, 0.123456789},
                             5,
                             1,
                             2,
                             3,
                             true}));
    protocol::LedgerOrder slash;
    slash.key = "slash/a";
    slash.verdict_id = "a";
    slash.worker = "worker:w";
    slash.validator = "validator:v";
    ASSERT_TRUE(j->put_slash(slash));
    ASSERT_TRUE(j->commit());
    EXPECT_EQ(j->next_sequence(), 8u);
  }
  auto j = Journal::open(path, prompt_key);
  ASSERT_TRUE(j);
  auto loaded = j->load_requests(10);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  const auto& l = loaded->front();
  EXPECT_EQ(protocol::request_digest(l.request), r.digest);
  EXPECT_TRUE(protocol::request_signature_valid(l.request));
  EXPECT_EQ(l.request.seed, r.request.seed);
  EXPECT_EQ(l.hold_id, 42);
  ASSERT_EQ(l.jobs.size(), 2u);
  EXPECT_EQ(l.jobs[0].excluded, r.jobs[0].excluded);
  EXPECT_EQ(l.jobs[0].worker, r.jobs[0].worker);
  EXPECT_EQ(l.jobs[0].receipt.charged, 123);
  EXPECT_EQ(l.jobs[1].phase, JobPhase::queued);
  EXPECT_FALSE(l.jobs[1].worker);
  auto nodes = j->load_nodes();
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_DOUBLE_EQ(nodes->front().reputation.audit, 0.123456789);
  EXPECT_TRUE(nodes->front().blacklisted);
  auto slashes = j->pending_slashes();
  ASSERT_TRUE(slashes);
  ASSERT_EQ(slashes->size(), 1u);
  ASSERT_TRUE(j->slash_done("slash/a"));
  ASSERT_TRUE(j->commit());
  EXPECT_TRUE(j->pending_slashes()->empty());
  // The audit salt is created once and then stays.
  auto salt = j->audit_salt();
  ASSERT_TRUE(salt);
  EXPECT_EQ(*j->audit_salt(), *salt);
  std::filesystem::remove_all(dir);
}

// A request's row is written whole once; as it goes on, only its progress columns change. Its
// sealed prompt stays the text sealed at submit (sealing again would draw a new nonce), and the
// request reads back with its progress and its prompt.
TEST(Journal, ARequestsProgressLeavesItsSealedPromptAsSubmitted) {
  const auto dir = fresh_dir("journal-progress");
  const std::string path = test::database_location((dir / "j.sqlite").string(), "jp");
  const std::string prompt_key = (dir / "j.prompt-key").string();
  RequestState r;
  r.request.request_id = "req";
  r.request.model_id = kModel;
  r.request.prompt = "a lighthouse at dusk";
  r.request.negative_prompt = "fog";
  r.request.count = 3;
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.sequence = 4;
  r.phase = RequestPhase::holding;
  auto sealed_texts = [&] {
    auto db = storage::Database::open(path, {.read_only = true});
    EXPECT_TRUE(db) << db.error().message;
    auto q = db->prepare("SELECT prompt, negative_prompt FROM requests WHERE request_id = 'req'");
    EXPECT_TRUE(q) << q.error().message;
    EXPECT_TRUE(q->step().value_or(false));
    return std::pair{q->column_text(0), q->column_text(1)};
  };
  auto j = Journal::open(path, prompt_key);
  ASSERT_TRUE(j) << j.error().message;
  ASSERT_TRUE(j->put_request(r));
  ASSERT_TRUE(j->commit());
  const auto submitted = sealed_texts();
  EXPECT_TRUE(SecretBox::is_sealed(submitted.first));
  r.phase = RequestPhase::releasing;
  r.hold_id = 91;
  r.per_job = 250;
  r.quoted = 750;
  r.cancel_requested = true;
  r.refunded = 500;
  ASSERT_TRUE(j->put_request_progress(r));
  ASSERT_TRUE(j->commit());
  EXPECT_EQ(sealed_texts(), submitted) << "the prompt was sealed again";
  auto loaded = j->load_requests(10);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  const RequestState& l = loaded->front();
  EXPECT_EQ(l.phase, RequestPhase::releasing);
  EXPECT_EQ(l.hold_id, 91);
  EXPECT_EQ(l.per_job, 250);
  EXPECT_EQ(l.quoted, 750);
  EXPECT_TRUE(l.cancel_requested);
  EXPECT_EQ(l.refunded, 500);
  EXPECT_EQ(l.sequence, 4u);
  EXPECT_EQ(l.request.prompt, "a lighthouse at dusk");
  EXPECT_EQ(l.request.negative_prompt, "fog");
  EXPECT_TRUE(protocol::request_signature_valid(l.request));
  std::filesystem::remove_all(dir);
}

// A submit asks whether an id not in memory was ever journaled without waiting for the writer's
// queue, unless the answer may be stale: a request refused at its hold is deleted, and a submit
// of its id right after, with the delete still queued, must find it gone.
TEST(Journal, ARequestWhoseDeleteIsStillQueuedIsNotKnown) {
  const auto dir = fresh_dir("journal-knows");
  const std::string path = test::database_location((dir / "j.sqlite").string(), "jk");
  auto j = Journal::open(path, (dir / "j.prompt-key").string());
  ASSERT_TRUE(j) << j.error().message;
  const auto knows = [&](const std::string& id) {
    auto known = j->knows_request(id);
    EXPECT_TRUE(known) << known.error().message;
    return known.value_or(false);
  };
  RequestState r;
  r.request.request_id = "refused";
  r.request.model_id = kModel;
  r.request.count = 1;
  protocol::sign_request(r.request, Identity::from_seed({2}));
  r.digest = protocol::request_digest(r.request);
  r.phase = RequestPhase::holding;
  ASSERT_TRUE(j->put_request(r));
  ASSERT_TRUE(j->commit());
  EXPECT_TRUE(knows("refused"));
  EXPECT_FALSE(knows("never"));
  ASSERT_TRUE(j->delete_request("refused"));  // queued: nothing waits for it yet
  EXPECT_FALSE(knows("refused")) << "a request whose delete was still queued was taken as known";
  ASSERT_TRUE(j->commit());
  EXPECT_FALSE(knows("refused"));
  std::filesystem::remove_all(dir);
}

// A job is written when it leaves the queue, not when its request's hold is placed: an active
// request's jobs without a row read back queued, in their places among the written ones.
TEST(Journal, AnActiveRequestsJobsWithoutARowReadBackQueued) {
  const auto dir = fresh_dir("journal-queued");
  const std::string path = test::database_location((dir / "j.sqlite").string(), "jq");
  const std::string prompt_key = (dir / "j.prompt-key").string();
  RequestState r;
  r.request.request_id = "req";
  r.request.model_id = kModel;
  r.request.prompt = "p";
  r.request.count = 4;
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.phase = RequestPhase::active;
  JobState assigned;
  assigned.index = 2;
  assigned.phase = JobPhase::assigned;
  assigned.attempt = 1;
  assigned.worker = Identity::from_seed({2}).public_key();
  {
    auto j = Journal::open(path, prompt_key);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE(j->put_request(r));
    ASSERT_TRUE(j->put_job(r.request.request_id, assigned));
    ASSERT_TRUE(j->commit());
  }
  {
    auto j = Journal::open(path, prompt_key);
    ASSERT_TRUE(j);
    auto loaded = j->load_requests(10);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->size(), 1u);
    const auto& jobs = loaded->front().jobs;
    ASSERT_EQ(jobs.size(), 4u);
    for (std::uint32_t i = 0; i < 4; ++i) {
      EXPECT_EQ(jobs[i].index, i);
      EXPECT_EQ(jobs[i].phase, i == 2 ? JobPhase::assigned : JobPhase::queued) << i;
      EXPECT_EQ(jobs[i].worker.has_value(), i == 2) << i;
      EXPECT_EQ(jobs[i].attempt, i == 2 ? 1u : 0u) << i;
    }
    // A row past the request's count is refused by name, not read as a job.
    assigned.index = 4;
    ASSERT_TRUE(j->put_job(r.request.request_id, assigned));
    ASSERT_TRUE(j->commit());
    auto refused = j->load_requests(10);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("request req has a row for job 4 but only 4 jobs"),
              std::string::npos)
        << refused.error().message;
  }
  std::filesystem::remove_all(dir);
}

// A signed request of `count` delivered jobs, each with a commitment of its own.
RequestState delivered_request(std::uint32_t count, std::string prompt) {
  RequestState r;
  r.request.request_id = "req";
  r.request.model_id = kModel;
  r.request.prompt = std::move(prompt);
  r.request.count = count;
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.jobs.resize(count);
  const auto worker = Identity::from_seed({2});
  for (std::uint32_t i = 0; i < count; ++i) {
    r.jobs[i].index = i;
    r.jobs[i].phase = JobPhase::delivered;
    protocol::JobResult c;
    c.job_id = protocol::job_id_of("req", i);
    c.worker = worker.public_key();
    c.output_hash = blake2b(std::to_string(i));
    c.final_latent = {0.5f, -1.25f, 3.0f, float(i)};
    c.final_latent_shape = {1, 1, 2, 2};
    c.leaf_count = 9;
    c.signature = worker.sign(std::string_view("signed"));
    r.jobs[i].audit.commitment = std::make_shared<const protocol::JobResult>(c);
  }
  return r;
}

// The request, its jobs and their verification rows, in one commit.
void journal_delivered(const std::string& path, const std::string& key, const RequestState& r) {
  auto j = Journal::open(path, key);
  ASSERT_TRUE(j) << j.error().message;
  ASSERT_TRUE(j->put_request(r));
  ASSERT_TRUE(j->put_jobs(r));
  for (const auto& job : r.jobs) ASSERT_TRUE(j->put_verification("req", job));
  ASSERT_TRUE(j->commit());
}

// A delivered job's commitment is kept as the signed result alone, in the commitment record,
// unsealed: it names no prompt. Rows of journals that kept it as JSON, or that kept a whole sealed
// receipt, still read back.
TEST(Journal, CommitmentsAreKeptAsRecordsAndOlderFormsStillRead) {
  const auto dir = fresh_dir("journal-commitments");
  const RemovedAtEnd cleanup{dir};
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string key = (dir / "j.prompt-key").string();
  const RequestState r = delivered_request(3, "zanzibar-turquoise-marmot");
  std::vector<protocol::JobResult> results;
  for (const auto& job : r.jobs) results.push_back(*job.audit.commitment);
  journal_delivered(path, key, r);
  {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db) << db.error().message;
    auto q = db->prepare("SELECT commitment FROM verification WHERE idx = 0");
    ASSERT_TRUE(q && q->step().value_or(false));
    const std::string text = q->column_text(0);
    EXPECT_FALSE(SecretBox::is_sealed(text)) << text;
    EXPECT_TRUE(text.starts_with("sgrecord1:")) << text;
    EXPECT_EQ(text.find("zanzibar"), std::string::npos) << text;
    // Job 1 as journals before the record wrote it: JSON.
    auto old = db->prepare("UPDATE verification SET commitment = ? WHERE idx = ?");
    ASSERT_TRUE(old);
    ASSERT_TRUE(old->bind(1, verify::commitment_json(results[1])).bind(2, std::int64_t{1}).run());
    // Job 2 as older journals still wrote it: the whole receipt, prompt included, sealed.
    protocol::Job job;
    job.job_id = results[2].job_id;
    job.request_id = "req";
    job.index = 2;
    job.spec.prompt = r.request.prompt;
    auto box = SecretBox::load_or_create(key);
    ASSERT_TRUE(box) << box.error().message;
    ASSERT_TRUE(old->bind(1, box->seal(journal_columns::receipt_text(job, results[2])))
                    .bind(2, std::int64_t{2})
                    .run());
  }
  auto j = Journal::open(path, key);
  ASSERT_TRUE(j) << j.error().message;
  auto loaded = j->load_requests(10);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  ASSERT_EQ(loaded->front().jobs.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    const auto& c = loaded->front().jobs[i].audit.commitment;
    ASSERT_NE(c, nullptr) << "job " << i;
    EXPECT_EQ(c->job_id, results[i].job_id);
    EXPECT_EQ(c->output_hash, results[i].output_hash);
    EXPECT_EQ(c->final_latent, results[i].final_latent);
    EXPECT_EQ(c->final_latent_shape, results[i].final_latent_shape);
    EXPECT_EQ(c->leaf_count, 9u);
    EXPECT_EQ(c->signature, results[i].signature);
  }
}

// A record that does not read back stops the load, naming the job and the field it broke in.
TEST(Journal, ADamagedCommitmentRecordIsNamedWithItsJob) {
  const auto dir = fresh_dir("journal-damaged-commitment");
  const RemovedAtEnd cleanup{dir};
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string key = (dir / "j.prompt-key").string();
  journal_delivered(path, key, delivered_request(1, "p"));
  const std::pair<std::string, std::string> damages[] = {
      {"sgrecord1:AAAA", "commitment record: format at byte 0: needs 8 bytes, 3 are left"},
      {"sgrecord1:not base64!", "is not valid base64 after 'sgrecord1:'"}};
  for (const auto& [text, problem] : damages) {
    {
      auto db = storage::Database::open(path);
      ASSERT_TRUE(db) << db.error().message;
      auto put = db->prepare("UPDATE verification SET commitment = ?");
      ASSERT_TRUE(put && put->bind(1, text).run());
    }
    auto j = Journal::open(path, key);
    ASSERT_TRUE(j) << j.error().message;
    auto loaded = j->load_requests(10);
    ASSERT_FALSE(loaded) << text;
    EXPECT_NE(loaded.error().message.find("journal: commitment of job 0 of request req: "),
              std::string::npos)
        << loaded.error().message;
    EXPECT_NE(loaded.error().message.find(problem), std::string::npos) << loaded.error().message;
  }
}

TEST(Journal, RoundTripsPenaltiesAndTheirDeletion) {
  const auto dir = fresh_dir("journal-penalties");
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string prompt_key = (dir / "j.prompt-key").string();
  JournaledPenalty p;
  p.audit_id = "req/0#1";
  p.worker = Identity::from_seed({2}).public_key();
  p.validator = Identity::from_seed({3}).public_key();
  p.job.job_id = "req/0";
  p.job.request_id = "req";
  p.job.attempt = 1;
  p.job.spec.model_id = kModel;
  p.job.spec.prompt = "a fox";
  p.job.spec.steps = 4;
  p.output_hash[0] = 9;
  p.worker_class = "cpu-test";
  p.plan = {{protocol::AuditKind::noise, 0},
            {protocol::AuditKind::step, 70'000},
            {protocol::AuditKind::full, 0}};
  p.remaining_ms = 1'234;
  p.appealed = true;
  {
    auto j = Journal::open(path, prompt_key);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE(j->put_penalty(p));
    JournaledPenalty second = p;
    second.audit_id = "req/1#1";
    ASSERT_TRUE(j->put_penalty(second));
    ASSERT_TRUE(j->delete_penalty("req/1#1"));
    ASSERT_TRUE(j->commit());
  }
  auto j = Journal::open(path, prompt_key);
  ASSERT_TRUE(j);
  auto loaded = j->load_penalties();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  const auto& q = (*loaded)[0];
  EXPECT_EQ(q.audit_id, p.audit_id);
  EXPECT_EQ(q.worker, p.worker);
  EXPECT_EQ(q.validator, p.validator);
  EXPECT_EQ(q.job.spec.prompt, "a fox");
  EXPECT_EQ(q.job.attempt, 1u);
  EXPECT_FALSE(q.commitment.has_value());
  EXPECT_EQ(q.output_hash, p.output_hash);
  EXPECT_EQ(q.plan, p.plan);
  EXPECT_EQ(q.remaining_ms, 1'234);
  EXPECT_TRUE(q.appealed);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing

namespace seedgrid::coordinator::testing {
namespace {

// Prompts are sealed at rest: the journal's file never holds them as text, and a reopened journal
// with the same key reads them back.
TEST(Journal, PromptsAreSealedInTheFileAndReadBackWithTheKey) {
  const auto dir = fresh_dir("journal-sealed");
  const RemovedAtEnd cleanup{dir};
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string key = (dir / "keys/journal-prompts.key").string();
  RequestState r;
  r.request.request_id = "secret";
  r.request.model_id = kModel;
  r.request.prompt = "zanzibar-turquoise-marmot";
  r.request.negative_prompt = "quokka-vermilion-sextant";
  r.request.count = 1;
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.jobs.resize(1);
  {
    auto j = Journal::open(path, key);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE(j->put_request(r));
    ASSERT_TRUE(j->put_jobs(r));
    ASSERT_TRUE(j->commit());
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("zanzibar"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("quokka"), std::string::npos) << entry.path();
  }
  {  // What the database itself holds (a PostgreSQL journal has no file here to scan).
    auto db = storage::Database::open(path, {.read_only = true});
    ASSERT_TRUE(db) << db.error().message;
    auto q = db->prepare("SELECT prompt, negative_prompt FROM requests");
    ASSERT_TRUE(q) << q.error().message;
    ASSERT_TRUE(q->step().value_or(false));
    EXPECT_EQ(q->column_text(0).find("zanzibar"), std::string::npos);
    EXPECT_EQ(q->column_text(1).find("quokka"), std::string::npos);
  }
  {
    auto j = Journal::open(path, key);
    ASSERT_TRUE(j) << j.error().message;
    auto requests = j->load_requests(10);
    ASSERT_TRUE(requests) << requests.error().message;
    ASSERT_EQ(requests->size(), 1u);
    EXPECT_EQ(requests->front().request.prompt, "zanzibar-turquoise-marmot");
    EXPECT_EQ(requests->front().request.negative_prompt, "quokka-vermilion-sextant");
    EXPECT_TRUE(protocol::request_signature_valid(requests->front().request))
        << "still the signed request";
  }

  // Another key cannot read them: the journal says which request and why.
  auto wrong = Journal::open(path, (dir / "other.key").string());
  ASSERT_TRUE(wrong);
  auto unreadable = wrong->load_requests(10);
  ASSERT_FALSE(unreadable);
  EXPECT_NE(unreadable.error().message.find("secret"), std::string::npos)
      << unreadable.error().message;
}

// On a file, where two nodes with their own data_dirs may still name one journal, and on
// PostgreSQL, where journals share a server.
TEST(Journal, ASecondOwnerOfAJournalIsRefusedUntilTheFirstLetsGo) {
  const auto dir = fresh_dir("journal-owner");
  const RemovedAtEnd cleanup{dir};
  const std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  const std::string key = (dir / "j.prompt-key").string();
  {
    auto first = Journal::open(path, key);
    ASSERT_TRUE(first) << first.error().message;
    auto second = Journal::open(path, key);
    ASSERT_FALSE(second) << "two coordinators own one journal";
    EXPECT_NE(second.error().message.find("the coordinator journal in " + path), std::string::npos)
        << second.error().message;
    EXPECT_NE(second.error().message.find("in use by another running process"), std::string::npos)
        << second.error().message;
    // Another journal (another file, or another schema of the same database) is another
    // coordinator's: no conflict.
    auto other = Journal::open(test::database_location((dir / "k.sqlite").string(), "k"), key);
    EXPECT_TRUE(other) << other.error().message;
  }
  auto after = Journal::open(path, key);  // the first closed: its lock went with it
  EXPECT_TRUE(after) << after.error().message;
}

// A scripted request's task (script id, declared passes) and its parameters come back as they
// were signed and accepted, on either engine; the parameters are sealed as prompts are.
TEST(Journal, RoundTripsAScriptedRequestsTaskAndParameters) {
  const auto dir = fresh_dir("journal-task");
  const RemovedAtEnd cleanup{dir};
  const std::string path = test::database_location((dir / "j.sqlite").string(), "jt");
  const std::string key = (dir / "j.prompt-key").string();
  RequestState r;
  r.request.request_id = "scripted";
  r.request.model_id = kModel;
  r.request.task_type = "hires_fix";
  r.request.prompt = "a fox";
  r.request.count = 1;
  r.request.params = {{"denoise", "0.45"}, {"style", "wombat-ochre-lantern"}};
  protocol::sign_request(r.request, Identity::from_seed({1}));
  r.digest = protocol::request_digest(r.request);
  r.task = RequestTask{std::string(64, 'c'), {{20, 262'144}, {10, 1'048'576}}};
  r.jobs.resize(1);
  RequestState plain;  // a txt2img request beside it: no task, no parameters
  plain.request.request_id = "plain";
  plain.request.model_id = kModel;
  plain.request.count = 1;
  protocol::sign_request(plain.request, Identity::from_seed({1}));
  plain.digest = protocol::request_digest(plain.request);
  plain.jobs.resize(1);
  {
    auto j = Journal::open(path, key);
    ASSERT_TRUE(j) << j.error().message;
    // Saved twice, as every change of a request saves it again: the rows are replaced.
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(j->put_request(r));
      ASSERT_TRUE(j->put_jobs(r));
    }
    ASSERT_TRUE(j->put_request(plain));
    ASSERT_TRUE(j->put_jobs(plain));
    ASSERT_TRUE(j->commit());
  }
  {
    auto db = storage::Database::open(path, {.read_only = true});
    ASSERT_TRUE(db) << db.error().message;
    auto q = db->prepare("SELECT value FROM request_params");
    ASSERT_TRUE(q) << q.error().message;
    int rows = 0;
    while (q->step().value_or(false)) {
      ++rows;
      EXPECT_EQ(q->column_text(0).find("wombat"), std::string::npos) << "sealed";
    }
    EXPECT_EQ(rows, 2);
  }
  auto j = Journal::open(path, key);
  ASSERT_TRUE(j) << j.error().message;
  auto loaded = j->load_requests(10);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);
  for (const auto& l : *loaded) {
    if (l.request.request_id == "plain") {
      EXPECT_FALSE(l.task);
      EXPECT_TRUE(l.request.params.empty());
      EXPECT_EQ(protocol::request_digest(l.request), plain.digest);
      continue;
    }
    ASSERT_TRUE(l.task);
    EXPECT_EQ(*l.task, *r.task);
    EXPECT_EQ(l.request.params, r.request.params);
    EXPECT_EQ(protocol::request_digest(l.request), r.digest);
    EXPECT_TRUE(protocol::request_signature_valid(l.request));
  }
  ASSERT_TRUE(j->delete_request("scripted"));
  ASSERT_TRUE(j->commit());
  auto after = j->load_requests(10);
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(after->size(), 1u);
  auto db = storage::Database::open(path, {.read_only = true});
  ASSERT_TRUE(db) << db.error().message;
  for (const char* table : {"request_tasks", "request_params"}) {
    auto q = db->prepare(std::string("SELECT COUNT(*) FROM ") + table);
    ASSERT_TRUE(q) << q.error().message;
    ASSERT_TRUE(q->step().value_or(false));
    EXPECT_EQ(q->column_text(0), "0") << table << " keeps no row of a deleted request";
  }
}

TEST(JournalTasks, PassesRoundTripAsTextAndMalformedTextIsNamed) {
  const std::vector<protocol::TaskPass> passes{{20, 262'144}, {0, 64}, {10, 1'048'576}};
  const std::string text = journal_tasks::passes_text(passes);
  EXPECT_EQ(text, "20x262144,0x64,10x1048576");
  auto back = journal_tasks::passes_of_text(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, passes);
  for (const char* bad : {"20x", "x5", "20*5", "20x5,", "20x5x1", "-1x5"}) {
    auto b = journal_tasks::passes_of_text(bad);
    EXPECT_FALSE(b) << bad;
    if (!b) {
      EXPECT_NE(b.error().message.find("STEPSxPIXELS"), std::string::npos) << bad;
    }
  }
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
