// The coordinator's result checkers: one integrity verdict per result of a batch, in order, and
// the pixels of each intact result written into the journal's image log off the coordinator's
// thread, held there until the coordinator names or drops them.
#include "actors/coordinator/result_checker.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "core_fixture.hpp"
#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::coordinator::testing {
namespace {

protocol::JobResult signed_result(const std::string& job_id, std::uint8_t shade,
                                  const Identity& worker) {
  protocol::JobResult r;
  r.job_id = job_id;
  r.attempt = 1;
  r.width = r.height = 16;
  r.pixels.assign(16 * 16 * 3, shade);
  r.output_hash = protocol::output_hash_of(r.pixels);
  r.determinism_class = "cpu-test";
  protocol::sign_result(r, worker);
  return r;
}

CheckedBatch check(caf::scoped_actor& self, const result_checker_actor& checker,
                   const PublicKey& sender, std::vector<protocol::JobResult> results) {
  CheckedBatch answer;
  self->request(
          checker, caf::infinite, integrity_atom::value, sender,
          CheckedResults(std::make_shared<std::vector<protocol::JobResult>>(std::move(results))))
      .receive([&](CheckedBatch& b) { answer = std::move(b); },
               [&](const caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  return answer;
}

struct ResultCheckerTest : ::testing::Test {
  std::filesystem::path dir = fresh_dir("result-checker");
  RemovedAtEnd cleanup{dir};
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  Identity worker = Identity::from_seed({7});

  void SetUp() override {
    protocol::add_message_types(cfg);
    sys.emplace(cfg);
  }
};

TEST_F(ResultCheckerTest, AnIntactResultsPixelsAreWrittenAndHeldAndATamperedOnesAreNot) {
  auto log = ImageLog::open((dir / "images").string(), 2'000);
  ASSERT_TRUE(log) << log.error().message;
  auto images = std::make_shared<ImageLog>(std::move(*log));
  caf::scoped_actor self{*sys};
  auto checkers = ResultCheckers::spawn(self.ptr(), images, 2);
  std::vector<protocol::JobResult> batch{signed_result("r/0", 40, worker),
                                         signed_result("r/1", 80, worker)};
  batch[1].pixels[5] ^= 0xff;  // no longer the pixels the worker signed the hash of
  const auto intact = batch[0];
  const CheckedBatch checked = check(self, checkers.next(), worker.public_key(), std::move(batch));
  ASSERT_EQ(checked.integrity.size(), 2u);
  ASSERT_EQ(checked.written.size(), 2u);
  EXPECT_TRUE(checked.integrity[0].ok()) << checked.integrity[0].reason;
  EXPECT_FALSE(checked.integrity[1].ok());
  ASSERT_TRUE(checked.written[0]) << "an intact result's pixels are in the log";
  EXPECT_FALSE(checked.written[1]) << "a tampered result's pixels are not written";
  auto back = images->read(*checked.written[0], intact.output_hash);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, intact.pixels);
  auto records = images->records(checked.written[0]->segment);
  ASSERT_TRUE(records) << records.error().message;
  EXPECT_EQ(records->size(), 1u);
  // Held: once the log has moved on, its segment stays until the coordinator releases the record.
  const std::vector<std::uint8_t> filler(1'500, 1);
  ASSERT_TRUE(images->append(blake2b(filler), filler));
  ASSERT_NE(images->active_segment(), checked.written[0]->segment);
  EXPECT_TRUE(images->in_use(checked.written[0]->segment));
  images->release(*checked.written[0]);
  EXPECT_FALSE(images->in_use(checked.written[0]->segment));
}

TEST_F(ResultCheckerTest, WithoutAnImageLogNothingIsWritten) {
  caf::scoped_actor self{*sys};
  auto checkers = ResultCheckers::spawn(self.ptr(), nullptr, 1);
  const CheckedBatch checked =
      check(self, checkers.next(), worker.public_key(), {signed_result("r/0", 40, worker)});
  ASSERT_EQ(checked.integrity.size(), 1u);
  EXPECT_TRUE(checked.integrity[0].ok()) << checked.integrity[0].reason;
  ASSERT_EQ(checked.written.size(), 1u);
  EXPECT_FALSE(checked.written[0]);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
