// Prompts at rest, over a real network of processes: a request with a distinctive prompt is
// served and audited across a coordinator restart (its journal read back with the node's key),
// and then no file any node wrote holds the prompt as text, and every file a node wrote in its
// data directory is readable by its owner only.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Privacy, NoFileANodeWroteHoldsThePromptAndEveryOneIsOwnerOnly) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.separate_treasury = true;
  Network net(o);
  net.start();
  auto request = net.request("private", 8, 12);
  request.prompt = "zanzibar-turquoise-marmot";
  request.negative_prompt = "quokka-vermilion-sextant";
  protocol::sign_request(request, net.client());
  Collected got;
  client::GenerateSession session(net.system(), nullptr, net.endpoint(), {}, request,
                                  std::make_shared<const Identity>(net.client()), got.callbacks());
  // The coordinator dies with the request under way and resumes it from its journal: the jobs it
  // sends again carry the prompt it read back with its key, and render the same images.
  ASSERT_TRUE(wait_for_results(got, 1, std::chrono::seconds(120)));
  net.coordinator().signal(SIGKILL);
  ASSERT_TRUE(net.coordinator().wait(std::chrono::seconds(10)));
  net.start_coordinator();
  auto outcome = session.wait(std::chrono::seconds(240));
  ASSERT_TRUE(outcome) << "the request did not complete after the restart";
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 8u);
  {
    std::lock_guard lock(got.mutex);
    for (const auto& [index, e] : got.results)
      EXPECT_EQ(e.pixels, reference_pixels(request, index)) << "image " << index;
  }
  net.stop();

  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(net.dir())) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string bytes = read_bytes(e.path());
    EXPECT_EQ(bytes.find("zanzibar"), std::string::npos) << e.path() << " holds the prompt";
    EXPECT_EQ(bytes.find("quokka"), std::string::npos) << e.path() << " holds the negative prompt";
    // The harness writes keys/, each node's config and the log its output goes to at the top;
    // every node's data directory below is the node's own writing.
    const auto rel = e.path().lexically_relative(net.dir());
    if (rel.begin()->string() == "keys" || std::distance(rel.begin(), rel.end()) < 2) continue;
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << rel.string() << " is readable by others (mode " << std::oct
                                    << (st.st_mode & 0777) << ")";
  }
  EXPECT_GT(files, 5u) << "the nodes wrote their journals, ledger and results";
}

}  // namespace
}  // namespace seedgrid::testing
