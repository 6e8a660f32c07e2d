// A private request's prompt is erased from the coordinator (memory and journal, WAL included)
// once it is done and the appeal window of every failed verdict on its jobs has closed; its
// hashes stay, a restart neither forgets the erasure nor brings the prompt back, and an attach
// is told the prompt is gone and gets the outcome that is left.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "runtime/base/crypto/secret_box.hpp"
#include "tests/unit/coordinator/verification_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

namespace fs = std::filesystem;
using protocol::AuditOutcome;
using protocol::EventKind;

constexpr const char* kPrompt = "zanzibar-turquoise-marmot";
constexpr const char* kNegative = "quokka-vermilion-sextant";

// Sealed texts in every file under `dir` (the journal, its -wal and -shm) that the journal's key
// opens to something holding `needle`: the prompt as anyone with the node's key directory could
// read it back, freed pages and old WAL frames included.
std::size_t sealed_copies(const fs::path& dir, const std::string& key_file,
                          const std::string& needle) {
  auto box = SecretBox::load_or_create(key_file);
  EXPECT_TRUE(box) << box.error().message;
  if (!box) return 0;
  const std::regex sealed("sgbox[12]:[A-Za-z0-9+/]+=*");
  std::size_t found = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(needle), std::string::npos) << e.path() << " holds it as plain text";
    for (std::sregex_iterator it(bytes.begin(), bytes.end(), sealed), end; it != end; ++it) {
      auto opened = box->open(it->str());
      found += opened && opened->find(needle) != std::string::npos;
    }
  }
  return found;
}

class PrivatePromptErasure : public VerificationTest {
 protected:
  protocol::GenerateRequest private_request(const std::string& id, std::uint32_t count) const {
    auto r = request(id, count);
    r.prompt = kPrompt;
    r.negative_prompt = kNegative;
    r.privacy = protocol::Privacy::private_images;
    protocol::sign_request(r, client_);
    return r;
  }
  fs::path journal_dir() const { return dir_ / "coordinator"; }
  std::string key_file() const { return (journal_dir() / "journal.sqlite.prompt-key").string(); }
  std::size_t sealed_prompts() const {
    return sealed_copies(journal_dir(), key_file(), "zanzibar");
  }
  void tick() {
    Outbox out;
    core_->tick(now_, out);
    pump(out);
  }
};

TEST_F(PrivatePromptErasure, ErasedOnceTheAppealWindowOfItsJobsClosesAndNeverResurrected) {
  policy_.audit.appeals = true;
  policy_.audit.appeal_window_ms = 5'000;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto q = private_request("r1", 1);
  ASSERT_TRUE(submit(q).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  // w1's result fails its audit: the job re-runs on w2 while w1 may appeal for 5 s, and an
  // appeal's referee re-renders the job from its prompt.
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(judge(verdict(audits_.back().task, AuditOutcome::fail, validator_), validator_).ok());
  jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_EQ(jobs[0].worker, w2_.public_key());
  register_node(validator2_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(deliver(jobs[0], w2_).ok());
  const auto& rerun = audits_.back();
  const Identity& auditor = rerun.validator == validator_.public_key() ? validator_ : validator2_;
  ASSERT_TRUE(judge(verdict(rerun.task, AuditOutcome::pass, auditor), auditor).ok());
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
  ASSERT_EQ(core_->request("r1")->phase, RequestPhase::done);
  ASSERT_EQ(core_->pending_penalties(), 1u);

  // Done, but the appeal window is open: the prompt stays, across a restart too.
  now_ += 1'000;
  tick();
  EXPECT_EQ(core_->request("r1")->request.prompt, kPrompt);
  EXPECT_GT(sealed_prompts(), 0u) << "the journal holds the prompt, sealed";
  open_core();
  ASSERT_EQ(core_->pending_penalties(), 1u);
  EXPECT_EQ(core_->request("r1")->request.prompt, kPrompt);

  // The window goes on after the restart with the time it had left at its last write (5 s).
  now_ += 5'500;
  tick();
  EXPECT_EQ(core_->pending_penalties(), 0u);
  const RequestState* r = core_->request("r1");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->request.prompt.empty());
  EXPECT_TRUE(r->request.negative_prompt.empty());
  ASSERT_TRUE(r->erased.has_value());
  EXPECT_EQ(r->erased->prompt_hash, blake2b(std::string_view(kPrompt)));
  EXPECT_EQ(r->erased->negative_prompt_hash, blake2b(std::string_view(kNegative)));
  EXPECT_EQ(r->digest, protocol::request_digest(q)) << "the request's hash stays for the record";
  EXPECT_EQ(sealed_prompts(), 0u) << "a sealed copy of the prompt is left in the journal's files";

  // An attach is told the prompt is gone, and gets the outcome.
  events_.clear();
  Outbox out;
  const auto ack =
      core_->attach(command(protocol::ClientCommandKind::attach, "r1", client_), {}, wall_, out);
  collect(out);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  EXPECT_TRUE(ack.prompt_erased);
  EXPECT_EQ(ack.request.request_id, "r1");
  EXPECT_TRUE(ack.request.prompt.empty());
  EXPECT_EQ(events_of(EventKind::completed).size(), 1u);
  EXPECT_TRUE(events_of(EventKind::result).empty());

  // A restart keeps the erasure; the signed request submitted again is still this request.
  open_core();
  r = core_->request("r1");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->erased.has_value());
  EXPECT_TRUE(r->request.prompt.empty());
  EXPECT_EQ(sealed_prompts(), 0u);
  const auto again = submit(q);
  ASSERT_TRUE(again.outcome.ok()) << again.outcome.reason;
  EXPECT_TRUE(again.resumed);
  EXPECT_TRUE(again.prompt_erased);
}

TEST_F(PrivatePromptErasure, WithoutAFailedVerdictAtTheFirstTickAfterItIsDoneAndPublicOnesKeepIt) {
  policy_.audit.rate = 0.0;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(private_request("secret", 2)).outcome.ok());
  auto shown = request("shown", 1);
  shown.prompt = std::string(kPrompt) + "-public";
  protocol::sign_request(shown, client_);
  ASSERT_TRUE(submit(shown).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 3u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  tick();
  EXPECT_EQ(core_->request("secret")->request.prompt, kPrompt) << "not done yet";
  for (std::size_t i = 1; i < jobs.size(); ++i) ASSERT_TRUE(deliver(jobs[i], w1_).ok());
  ASSERT_EQ(core_->request("secret")->phase, RequestPhase::done);
  tick();
  EXPECT_TRUE(core_->request("secret")->erased.has_value());
  EXPECT_TRUE(core_->request("secret")->request.prompt.empty());
  EXPECT_FALSE(core_->request("shown")->erased.has_value());
  EXPECT_EQ(core_->request("shown")->request.prompt, shown.prompt);
  open_core();
  EXPECT_EQ(core_->request("shown")->request.prompt, shown.prompt);
  EXPECT_TRUE(core_->request("secret")->request.prompt.empty());
}

// A scripted task's text parameter may say as much as the prompt: erased with it, from memory and
// from the journal, and not brought back by a restart; the task itself (script id, passes) stays.
TEST_F(PrivatePromptErasure, AScriptedRequestsParametersAreErasedWithItsPrompt) {
  const fs::path script = dir_ / "styled.lua";
  std::ofstream(script) << R"(name = "styled"
params = {
  { name = "prompt", type = "string", default = "" },
  { name = "steps", type = "int", min = 1, max = 50, default = 4 },
  { name = "width", type = "int", min = 8, max = 512, default = 64 },
  { name = "height", type = "int", min = 8, max = 512, default = 64 },
  { name = "style", type = "string", default = "" },
}
function cost(p) return { { steps = p.steps, pixels = p.width * p.height } } end
function run(p, seed) error("a coordinator does not run scripts") end
)";
  task_types_ = {{"styled", script.string()}};
  policy_.audit.rate = 0.0;
  open_core();
  auto caps = worker_caps();
  caps.task_types = {std::string(protocol::kTaskScripts), "txt2img"};
  register_node(w1_, protocol::Role::worker, caps);
  auto q = private_request("styled-1", 1);
  q.task_type = "styled";
  q.params = {{"style", "ocelot-saffron-gazebo"}};
  protocol::sign_request(q, client_);
  ASSERT_TRUE(submit(q).outcome.ok());
  EXPECT_GE(sealed_copies(journal_dir(), key_file(), "ocelot"), 1u) << "sealed while it runs";
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  tick();
  const RequestState* r = core_->request("styled-1");
  ASSERT_TRUE(r && r->erased);
  EXPECT_TRUE(r->request.params.empty());
  ASSERT_TRUE(r->task) << "the script id and passes are kept";
  EXPECT_EQ(sealed_copies(journal_dir(), key_file(), "ocelot"), 0u);
  open_core();
  r = core_->request("styled-1");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->request.params.empty()) << "a restart does not bring them back";
  EXPECT_TRUE(r->task);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
