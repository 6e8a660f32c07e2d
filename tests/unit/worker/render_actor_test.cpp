// The render actor reports a step's progress for the whole batch in one message, then the batch.
#include "actors/worker/render_actor.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/rendering/renderer.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "tests/unit/common/test_dir.hpp"
#include "tests/unit/worker/tiny_renderer.hpp"

namespace seedgrid::worker {
namespace {

TEST(RenderActor, ReportsEachStepOfABatchInOneMessage) {
  const seedgrid::test::TestDir dir;
  auto tiny = testing::load_tiny_renderer(dir.path(), false);
  ASSERT_TRUE(tiny.renderer);
  {
    caf::actor_system_config cfg;
    caf::actor_system sys(cfg);
    const auto render =
        spawn_render_actor(sys, tiny.renderer, std::make_shared<std::atomic<std::uint64_t>>(0));
    std::vector<protocol::Job> jobs(3);
    for (std::uint32_t i = 0; i < jobs.size(); ++i) {
      jobs[i].request_id = "r";
      jobs[i].index = i;
      jobs[i].job_id = protocol::job_id_of("r", i);
      jobs[i].attempt = 1;
      jobs[i].spec.model_id = tiny.model_id;
      jobs[i].spec.task_type = "txt2img";
      jobs[i].spec.prompt = "a fox";
      jobs[i].spec.seed = i;
      jobs[i].spec.steps = 4;
      jobs[i].spec.guidance = 5.0f;
      jobs[i].spec.sampler = "euler";
      jobs[i].spec.width = 64;
      jobs[i].spec.height = 64;
    }
    caf::scoped_actor self{sys};
    self->send(render, render_atom::value, std::uint64_t{7}, jobs);
    std::vector<std::vector<protocol::JobProgress>> steps;
    std::size_t results = 0;
    bool rendered = false;
    while (!rendered)
      self->receive(
          [&](protocol::progress_atom, const std::vector<protocol::JobProgress>& step) {
            steps.push_back(step);
          },
          [&](rendered_atom, std::uint64_t batch, const std::vector<protocol::JobResult>& r,
              const std::vector<protocol::JobFailure>& failures) {
            EXPECT_EQ(batch, 7u);
            EXPECT_TRUE(failures.empty());
            results = r.size();
            rendered = true;
          },
          caf::after(std::chrono::seconds(60)) >>
              [&] {
                ADD_FAILURE() << "no rendered batch";
                rendered = true;
              });
    EXPECT_EQ(results, 3u);
    ASSERT_EQ(steps.size(), 4u) << "one message per step";
    for (std::uint32_t s = 0; s < steps.size(); ++s) {
      ASSERT_EQ(steps[s].size(), 3u) << "step " << s + 1;
      for (std::uint32_t j = 0; j < 3; ++j) {
        EXPECT_EQ(steps[s][j].job_id, jobs[j].job_id);
        EXPECT_EQ(steps[s][j].step, s + 1);
        EXPECT_EQ(steps[s][j].steps, 4u);
      }
    }
    caf::anon_send_exit(render, caf::exit_reason::user_shutdown);
  }
}

}  // namespace
}  // namespace seedgrid::worker
