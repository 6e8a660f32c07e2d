// `seedgrid generate --resume ID` over a real network of processes: it needs nothing but the id,
// writes every image already delivered and then the rest, whether the request finished long ago
// or its first client was killed half way; and a client whose --timeout ran out prints the exact
// command that does so.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"
#include "tests/integration/cli/node_process.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::test {
namespace {

namespace fs = std::filesystem;

std::string common_args(const testing::Network& net, const std::string& out) {
  return "--coordinator 127.0.0.1:" + std::to_string(net.endpoint().port) + " --key " +
         (net.dir() / "keys/client.key").string() + " --out " + out;
}

std::string request_args(const std::string& id, int count, int timeout_s = 240) {
  return " --request-id " + id + " --prompt 'a lighthouse' --steps 4 --width 64 --height 64" +
         " --seed 7 --count " + std::to_string(count) + " --timeout " + std::to_string(timeout_s);
}

std::size_t pngs_in(const std::string& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".png";
  return n;
}

// The command a client printed after "to follow this request again: " (or "with:\n  "), without
// the leading "seedgrid ".
std::string printed_resume_command(const std::string& output, const std::string& after) {
  const auto at = output.find(after);
  if (at == std::string::npos) return "";
  const auto start = output.find("seedgrid generate", at);
  const auto end = output.find('\n', start);
  return output.substr(start + 9, end - start - 9);
}

testing::NetworkOptions one_worker() {
  testing::NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  // The worker is stopped (SIGSTOP) for a few seconds in one test: not long enough to be lost.
  o.connection_timeout_ms = 60'000;
  return o;
}

TEST(GenerateResume, AFinishedRequestIsWrittenAgainFromItsIdAlone) {
  testing::Network net(one_worker());
  net.start();
  ScratchDir dir;
  const auto first = run_seedgrid(
      "generate " + common_args(net, dir.path("first")) + request_args("rq-done", 2), 240);
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string resume = printed_resume_command(first.output, "to follow this request again:");
  EXPECT_TRUE(contains(resume, "--resume rq-done")) << first.output;

  const auto again =
      run_seedgrid("generate " + common_args(net, dir.path("again")) + " --resume rq-done", 120);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "(resumed)")) << again.output;
  EXPECT_TRUE(contains(again.output, "progress 100%  2/2 images")) << again.output;
  EXPECT_TRUE(contains(again.output, "completed: 2 delivered")) << again.output;
  for (int i = 0; i < 2; ++i) {
    const std::string name = "/rq-done-" + std::to_string(i) + ".png";
    const std::string a = file_text(dir.path("first") + name);
    ASSERT_FALSE(a.empty()) << name;
    EXPECT_EQ(a, file_text(dir.path("again") + name))
        << name << ": the same image and the same parameters, learned from the id alone";
  }
  if (::testing::Test::HasFailure()) net.dump_logs();
}

TEST(GenerateResume, AKilledOrTimedOutClientIsFollowedAgainToTheEnd) {
  testing::Network net(one_worker());
  net.start();
  ScratchDir dir;
  // No image can be delivered while the worker is stopped: the clients below leave the requests
  // unfinished.
  net.worker(0).signal(SIGSTOP);
  struct Resume {
    testing::Network& net;
    ~Resume() { net.worker(0).signal(SIGCONT); }
  } resume_worker{net};

  {
    std::vector<std::string> argv{
        SEEDGRID_BINARY, "generate",
        "--coordinator", "127.0.0.1:" + std::to_string(net.endpoint().port),
        "--key",         (net.dir() / "keys/client.key").string(),
        "--out",         dir.path("killed"),
        "--request-id",  "rq-killed",
        "--prompt",      "a lighthouse",
        "--steps",       "4",
        "--width",       "64",
        "--height",      "64",
        "--seed",        "7",
        "--count",       "3"};
    testing::Child client(argv, dir.path("killed.log"));
    ASSERT_TRUE(eventually([&] { return contains(file_text(dir.path("killed.log")), "accepted"); }))
        << file_text(dir.path("killed.log"));
    client.signal(SIGKILL);
    ASSERT_TRUE(client.wait(std::chrono::seconds(10)));
  }
  EXPECT_EQ(pngs_in(dir.path("killed")), 0u);

  const auto timed_out = run_seedgrid(
      "generate " + common_args(net, dir.path("late")) + request_args("rq-late", 2, 2), 60);
  EXPECT_EQ(timed_out.status, 1) << timed_out.output;
  EXPECT_TRUE(contains(timed_out.output, "rq-late did not complete within 2 s"))
      << timed_out.output;
  const std::string late_resume = printed_resume_command(timed_out.output, "Follow it again with:");
  ASSERT_TRUE(contains(late_resume, "--resume rq-late")) << timed_out.output;

  net.worker(0).signal(SIGCONT);
  const auto killed = run_seedgrid(
      "generate " + common_args(net, dir.path("resumed")) + " --resume rq-killed", 240);
  ASSERT_EQ(killed.status, 0) << killed.output;
  EXPECT_TRUE(contains(killed.output, "completed: 3 delivered")) << killed.output;
  EXPECT_EQ(pngs_in(dir.path("resumed")), 3u);

  // The command the timed-out client printed, run as printed.
  const auto late = run_seedgrid(late_resume, 240);
  ASSERT_EQ(late.status, 0) << late.output;
  EXPECT_EQ(pngs_in(dir.path("late")), 2u);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

TEST(GenerateResume, AnUnknownIdIsRefusedAtOnce) {
  testing::Network net(one_worker());
  net.start();
  ScratchDir dir;
  const auto run =
      run_seedgrid("generate " + common_args(net, dir.path("out")) + " --resume nobody", 60);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "unknown_request")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
