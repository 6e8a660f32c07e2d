// A private request's images go once it is done, unless a request still in memory names the same
// image (same spec, same seed): one not done yet, or a public one, whose client may attach again.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::EventKind;

class PrivateImages : public CoreFixture {
 protected:
  void SetUp() override {
    CoreFixture::SetUp();
    register_node(w1_, protocol::Role::worker, worker_caps());
  }

  // A request of `count` images from `seed`, private or public, submitted: its jobs.
  std::vector<SendJob> submitted(const std::string& id, std::uint32_t count, std::uint64_t seed,
                                 bool private_images) {
    auto r = request(id, count);
    r.seed = seed;
    if (private_images) r.privacy = protocol::Privacy::private_images;
    protocol::sign_request(r, client_);
    EXPECT_TRUE(submit(r).outcome.ok()) << id;
    return take_jobs();
  }

  void delivered(const std::vector<SendJob>& jobs) {
    for (const auto& j : jobs) ASSERT_TRUE(deliver(j, w1_).ok()) << j.job.job_id;
  }

  bool holds(const Digest& image) {
    auto h = core_->holds_image(image);
    EXPECT_TRUE(h.has_value()) << h.error().message;
    return h.value_or(false);
  }

  const Digest& image_of(const std::string& id, std::size_t index) {
    return core_->request(id)->jobs.at(index).output_hash;
  }
};

TEST_F(PrivateImages, APrivateRequestsImageGoesOnceItIsDone) {
  delivered(submitted("secret", 1, 3, /*private_images=*/true));
  ASSERT_EQ(core_->request("secret")->phase, RequestPhase::done);
  EXPECT_FALSE(holds(image_of("secret", 0)));
}

// The public request's client may attach again and must still get its image.
TEST_F(PrivateImages, APublicRequestNamingTheSameImageKeepsIt) {
  delivered(submitted("shown", 1, 4, /*private_images=*/false));
  delivered(submitted("secret", 1, 4, /*private_images=*/true));
  ASSERT_EQ(core_->request("secret")->phase, RequestPhase::done);
  ASSERT_EQ(image_of("shown", 0), image_of("secret", 0));
  EXPECT_TRUE(holds(image_of("shown", 0)));

  events_.clear();
  Outbox out;
  const auto ack =
      core_->attach(command(protocol::ClientCommandKind::attach, "shown", client_), {}, wall_, out);
  collect(out);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].pixels.empty());
  EXPECT_TRUE(events_of(EventKind::failed).empty());
}

// Two private requests: the image stays while the second is not done, and goes with it (the
// first, done, names it no more).
TEST_F(PrivateImages, AnImageStaysWhileARequestNotDoneNamesItAndGoesWithTheLast) {
  auto first = submitted("p1", 1, 5, /*private_images=*/true);
  auto second = submitted("p2", 2, 5, /*private_images=*/true);  // its image 0: p1's image
  ASSERT_EQ(second.size(), 2u);
  delivered({second[0]});
  delivered(first);
  ASSERT_EQ(core_->request("p1")->phase, RequestPhase::done);
  ASSERT_EQ(image_of("p1", 0), image_of("p2", 0));
  EXPECT_TRUE(holds(image_of("p1", 0))) << "p2, not done, still names it";

  delivered({second[1]});
  ASSERT_EQ(core_->request("p2")->phase, RequestPhase::done);
  EXPECT_FALSE(holds(image_of("p2", 0))) << "kept for a done private request";
  EXPECT_FALSE(holds(image_of("p2", 1)));
  EXPECT_FALSE(core_->fatal()) << core_->fatal()->message;
  expect_conservation();
}

// A done private request named its images no more when it was done: leaving memory later, it must
// not take the count of a public request that names the same image.
TEST_F(PrivateImages, ADonePrivateRequestLeavingMemoryLeavesAPublicOnesImage) {
  recent_done_requests_ = 2;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  delivered(submitted("secret", 1, 6, /*private_images=*/true));
  Outbox out;
  core_->tick(now_, out);  // its prompt erased, it joins the done requests kept in memory
  pump(out);
  ASSERT_TRUE(core_->request("secret")->erased.has_value());
  delivered(submitted("shown", 1, 6, /*private_images=*/false));
  ASSERT_EQ(image_of("shown", 0), image_of("secret", 0));
  delivered(submitted("later", 1, 7, /*private_images=*/false));  // "secret" leaves memory
  EXPECT_EQ(core_->request("secret"), nullptr);
  EXPECT_TRUE(holds(image_of("shown", 0)));
  EXPECT_FALSE(core_->fatal()) << core_->fatal()->message;
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
