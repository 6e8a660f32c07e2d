// Prompts at rest, over a real network of processes: a request with a distinctive prompt is
// served and audited across a coordinator restart (its journal read back with the node's key),
// and then no file any node wrote (the coordinator's, the workers' and validators' logs) holds the
// prompt as text, and every file a node wrote in its data directory is readable by its owner
// only. A private request's prompt is erased from the coordinator once its windows closed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "runtime/base/crypto/secret_box.hpp"
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

// Sealed texts in the coordinator's files (its journal, -wal and -shm) that the node's prompt key
// opens to something holding `needle`: the prompt as anyone with its key directory could read it
// back, old WAL frames and freed pages included.
std::size_t sealed_copies(const Network& net, const std::string& needle) {
  auto box = SecretBox::load_or_create((net.dir() / "keys/journal-prompts.key").string());
  EXPECT_TRUE(box) << box.error().message;
  if (!box) return 0;
  const std::regex sealed("sgbox[12]:[A-Za-z0-9+/]+=*");
  std::size_t found = 0;
  for (const auto& e : fs::recursive_directory_iterator(net.dir() / "coordinator")) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = read_bytes(e.path());
    for (std::sregex_iterator it(bytes.begin(), bytes.end(), sealed), end; it != end; ++it) {
      auto opened = box->open(it->str());
      found += opened && opened->find(needle) != std::string::npos;
    }
  }
  return found;
}

// A private request's prompt is in the coordinator's journal (sealed) while the request is under
// way and gone from every file once it is done and its windows closed, across a restart; a client
// that follows the request by its id afterwards is told so and still gets its outcome. No file
// of any node (journals, ledger, logs of workers and validators) ever holds it as text.
TEST(Privacy, APrivateRequestsPromptIsErasedFromTheCoordinatorOnceItsWindowsClose) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 1;
  o.audit_rate = 1.0;
  Network net(o);
  net.start();
  auto request = net.request("erased", 2, 4);
  request.prompt = "xylophone-periwinkle-narwhal";
  request.negative_prompt = "axolotl-saffron-harpsichord";
  request.privacy = protocol::Privacy::private_images;
  protocol::sign_request(request, net.client());
  // The only worker is stopped: the request cannot be done before the first look at the journal.
  net.worker(0).signal(SIGSTOP);
  Collected got;
  client::GenerateSession session(net.system(), nullptr, net.endpoint(), {}, request,
                                  std::make_shared<const Identity>(net.client()), got.callbacks());
  for (int i = 0; i < 600; ++i) {
    {
      std::lock_guard lock(got.mutex);
      if (got.ack) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  {
    std::lock_guard lock(got.mutex);
    ASSERT_TRUE(got.ack) << "the request was not answered";
    ASSERT_TRUE(got.ack->outcome.ok()) << got.ack->outcome.reason;
  }
  EXPECT_GT(sealed_copies(net, "xylophone"), 0u) << "under way, the journal holds it sealed";
  EXPECT_GT(sealed_copies(net, "axolotl"), 0u);
  net.worker(0).signal(SIGCONT);
  auto outcome = session.wait(std::chrono::seconds(240));
  ASSERT_TRUE(outcome) << "the request did not complete";
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  ASSERT_EQ(outcome->completed.delivered, 2u);
  const PublicKey coordinator = outcome->ack.coordinator;

  // Audited and no failed verdict: erased at a tick after it is done.
  std::size_t left = 1;
  for (int i = 0; i < 600 && left > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    left = sealed_copies(net, "xylophone") + sealed_copies(net, "axolotl");
  }
  EXPECT_EQ(left, 0u) << "the prompt is still in the coordinator's files";

  // A restart does not bring it back, and the request is still known by its id.
  net.coordinator().signal(SIGTERM);
  ASSERT_TRUE(net.coordinator().wait(std::chrono::seconds(20)));
  EXPECT_EQ(sealed_copies(net, "xylophone") + sealed_copies(net, "axolotl"), 0u);
  net.start_coordinator();
  Collected followed;
  client::GenerateSession resumed(net.system(), nullptr, net.endpoint(), {},
                                  client::GenerateSession::Resume{"erased", coordinator},
                                  std::make_shared<const Identity>(net.client()),
                                  followed.callbacks());
  auto after = resumed.wait(std::chrono::seconds(120));
  ASSERT_TRUE(after) << "following the request by its id did not finish";
  ASSERT_TRUE(after->reply.ok()) << after->reply.reason;
  EXPECT_TRUE(after->ack.prompt_erased);
  EXPECT_TRUE(after->ack.request.prompt.empty());
  EXPECT_EQ(after->completed.delivered, 2u) << "the outcome is still there";
  EXPECT_EQ(followed.result_count(), 0u) << "no image is left, none is written";
  net.stop();
  EXPECT_EQ(sealed_copies(net, "xylophone") + sealed_copies(net, "axolotl"), 0u);
  for (const auto& e : fs::recursive_directory_iterator(net.dir())) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = read_bytes(e.path());
    EXPECT_EQ(bytes.find("xylophone"), std::string::npos) << e.path() << " holds the prompt";
    EXPECT_EQ(bytes.find("axolotl"), std::string::npos) << e.path() << " holds the negative prompt";
  }
}

}  // namespace
}  // namespace seedgrid::testing
